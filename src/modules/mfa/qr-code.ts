import QRCode from 'qrcode';

/** The URL as an SVG QR code (error correction M: readable from a screen, still compact). */
export function drawQrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
