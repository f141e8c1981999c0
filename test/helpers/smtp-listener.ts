import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the SMTP listener received it, its bodies decoded from quoted-printable. */
export interface ReceivedMail {
  readonly to: readonly string[];
  readonly from: string;
  readonly subject: string;
  /** The whole message after the headers, decoded: both the text and the HTML part. */
  readonly body: string;
  readonly receivedAt: number;
}

/** accept: 250; refuse: 451 (a temporary failure); hang: never answer the message. */
export type SmtpMode = 'accept' | 'refuse' | 'hang';

export interface SmtpListener {
  /** smtp://127.0.0.1:<port> */
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** Messages refused or left hanging, counted as they arrive. */
  readonly refused: number;
  setMode(mode: SmtpMode): void;
  /** Resolves with the first mail (among those received so far or later) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

/** A real SMTP server (smtp-server) on a free port of 127.0.0.1, without TLS or auth. */
export async function startSmtpListener(): Promise<SmtpListener> {
  const mails: ReceivedMail[] = [];
  let mode: SmtpMode = 'accept';
  let refused = 0;
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (mode === 'hang') {
          refused += 1;
          return;
        }
        if (mode === 'refuse') {
          refused += 1;
          const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
          callback(error);
          return;
        }
        mails.push(parse(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((rcpt) => rcpt.address), session.envelope.mailFrom));
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get refused() {
      return refused;
    },
    setMode: (next) => {
      mode = next;
    },
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(match);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${mails.map((mail) => `${mail.to.join(',')}: ${mail.subject}`).join('; ')})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parse(raw: string, to: string[], mailFrom: false | { address: string }): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  const body = raw
    .slice(split + 4)
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { to, from: mailFrom === false ? '' : mailFrom.address, subject, body, receivedAt: Date.now() };
}

/** The token of the first `${appUrl}/<path>#token=…` link in a mail. */
export function tokenIn(mail: ReceivedMail, path: 'reset-password' | 'verify-email'): string {
  const match = new RegExp(`/${path}#token=([A-Za-z0-9_%-]+)`).exec(mail.body);
  if (match === null) throw new Error(`no ${path} link in "${mail.subject}"`);
  return decodeURIComponent(match[1]!);
}
