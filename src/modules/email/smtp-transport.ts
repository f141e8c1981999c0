import nodemailer from 'nodemailer';
import type { Mail } from './mail-templates.js';

export interface SmtpTransportOptions {
  /** smtp:// or smtps:// URL, credentials included. */
  url: string;
  /** The From header. */
  from: string;
  /**
   * Connect, greeting and per-read limits in ms: a hanging server fails the attempt instead
   * of holding it; a whole delivery gets four times this. @default 15000 (so at most 60 s,
   * half the sender's 2-minute lease)
   */
  timeoutMs?: number;
}

/** Delivers one mail to the SMTP server; the only importer of nodemailer. */
export interface MailTransport {
  send(mail: Mail): Promise<void>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transporter = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // nodemailer logs nothing by default; kept off so no address or body reaches the logs.
    logger: false,
  });
  return {
    async send(mail) {
      // A server that answers every read just in time would outlast the per-read limits and
      // the sender's lease (and another instance would send the mail too): one overall bound.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`SMTP delivery took longer than ${timeout * 4} ms`)), timeout * 4);
      });
      try {
        await Promise.race([
          transporter.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html }),
          deadline,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => transporter.close(),
  };
}
