import type { MailOutboxRepository, OutboxMail } from './mail-outbox-repository.js';
import { escapeHtml } from './mail-templates.js';

// The newest mails only: a development mailbox, not an archive.
const MAX_LISTED = 200;

/** A page of the mailbox: the path it answers and what it answers (the module hands these to the server). */
export interface DevMailRoute {
  readonly path: string;
  handle(request: { readonly params: Readonly<Record<string, string>> }): Promise<DevMailReply>;
}

interface DevMailReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * The development mailbox: /dev/mail (an HTML list, newest first), /dev/mail/:id (one
 * message) and /dev/mail.json for scripts. Served only outside production.
 */
export function devMailRoutes(outbox: MailOutboxRepository): DevMailRoute[] {
  return [
    {
      path: '/dev/mail.json',
      handle: async () => ({
        status: 200,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify(
          (await outbox.listKept(MAX_LISTED)).map((mail) => ({
            id: mail.id,
            to: mail.to,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            createdAt: mail.createdAt.toISOString(),
          })),
        ),
      }),
    },
    {
      path: '/dev/mail',
      handle: async () => html('Mail kept in development', listPage(await outbox.listKept(MAX_LISTED))),
    },
    {
      path: '/dev/mail/:id',
      handle: async ({ params }) => {
        const mail = (await outbox.listKept(MAX_LISTED)).find((kept) => kept.id === params.id);
        if (mail === undefined) return { ...html('Not found', '<p>No such mail. <a href="/dev/mail">All mail</a></p>'), status: 404 };
        return html(mail.subject, messagePage(mail));
      },
    },
  ];
}

function listPage(mails: readonly OutboxMail[]): string {
  if (mails.length === 0) return '<h1>Mail</h1><p>No mail yet. Mail the server writes appears here while SMTP_URL is unset.</p>';
  const rows = mails.map(
    (mail) =>
      `<tr><td>${escapeHtml(mail.createdAt.toISOString())}</td><td>${escapeHtml(mail.to)}</td>` +
      `<td><a href="/dev/mail/${encodeURIComponent(mail.id)}">${escapeHtml(mail.subject)}</a></td></tr>`,
  );
  return `<h1>Mail</h1><p>Newest first. <a href="/dev/mail.json">JSON</a></p><table><thead><tr><th>at</th><th>to</th><th>subject</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

// The HTML body is shown as source, not rendered: a mail is data, and this page must not run it.
function messagePage(mail: OutboxMail): string {
  return (
    `<p><a href="/dev/mail">All mail</a></p><h1>${escapeHtml(mail.subject)}</h1>` +
    `<p>To: ${escapeHtml(mail.to)}<br>At: ${escapeHtml(mail.createdAt.toISOString())}</p>` +
    `<h2>Text</h2><pre>${escapeHtml(mail.text)}</pre><h2>HTML</h2><pre>${escapeHtml(mail.html)}</pre>`
  );
}

function html(title: string, body: string): DevMailReply {
  return {
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
  };
}
