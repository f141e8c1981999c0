import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a WebSocket handshake's Origin may open a socket. Browsers send Origin on every
 * handshake and do not apply CORS to WebSockets, so without this check any page a user
 * visits could open a socket with their cookies or network position (cross-site WebSocket
 * hijacking). No Origin is a client that is not a browser: allowed. With `allowedOrigins`
 * (CORS_ORIGINS) the Origin must be one of them; without, it must be the server's own:
 * its host[:port] equal to the request's Host header, whatever the scheme (TLS may end
 * at a proxy).
 */
export function isAllowedSocketOrigin(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed or file: page) and anything else unparsable.
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (allowedOrigins.length > 0) return allowedOrigins.includes(parsed.origin);
  const host = headers.host?.toLowerCase().replace(/:(80|443)$/, '');
  return host !== undefined && host === parsed.host.replace(/:(80|443)$/, '');
}
