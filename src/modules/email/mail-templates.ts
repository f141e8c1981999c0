/** The kinds of mail Gatehouse sends: three carry a link, three are security notices. */
export type MailKind =
  | 'verify-email'
  | 'change-email'
  | 'reset-password'
  | 'password-changed'
  | 'password-reset'
  | 'email-changed';

/** A composed mail, plain text and HTML. */
export interface Mail {
  readonly kind: MailKind;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Where links point: `${appUrl}/reset-password#token=…`. The token rides in the fragment, which browsers never send to a server or in a Referer. */
export function linkFor(appUrl: string, path: 'verify-email' | 'reset-password', token: string): string {
  return `${appUrl}/${path}#token=${encodeURIComponent(token)}`;
}

/** The mail with a link that verifies `to` as the user's address. */
export function composeVerifyEmailMail(to: string, link: string): Mail {
  return withLink('verify-email', to, 'Verify your email address', [
    'Open this link to confirm that this address is yours:',
  ], link, 'The link works once, within 24 hours. If you did not ask for it, ignore this mail.');
}

/** The mail to a new address with the link that makes it the account's address. */
export function composeChangeEmailMail(to: string, link: string): Mail {
  return withLink('change-email', to, 'Confirm your new email address', [
    'Someone asked to make this the email address of their Gatehouse account.',
    'Open this link to confirm the change:',
  ], link, 'The link works once, within 24 hours. If you did not ask for it, ignore this mail: nothing changes.');
}

/** The mail with a link that sets a new password. */
export function composeResetPasswordMail(to: string, link: string): Mail {
  return withLink('reset-password', to, 'Reset your password', [
    'Someone asked to reset the password of the account with this address.',
    'Open this link to choose a new password:',
  ], link, 'The link works once, within 1 hour. If you did not ask for it, ignore this mail: your password stays as it is.');
}

/** Notice: the password was changed by a signed-in user. */
export function composePasswordChangedMail(to: string): Mail {
  return notice('password-changed', to, 'Your password was changed', [
    'The password of your account was just changed, and your other sessions were signed out.',
    'If this was not you, reset your password at once and check your account.',
  ]);
}

/** Notice: the password was reset through a mailed link. */
export function composePasswordResetMail(to: string): Mail {
  return notice('password-reset', to, 'Your password was reset', [
    'The password of your account was just reset with a link mailed to this address, and every session was signed out.',
    'If this was not you, someone can read your mail: secure your mailbox, then reset your password again.',
  ]);
}

/** Notice to the old address: the account's address changed. */
export function composeEmailChangedMail(to: string, newEmail: string): Mail {
  return notice('email-changed', to, 'Your email address was changed', [
    `The email address of your account was changed to ${newEmail}. Mail about the account now goes there.`,
    'If this was not you, contact the administrator of this service at once.',
  ]);
}

function withLink(kind: MailKind, to: string, subject: string, lines: string[], link: string, footer: string): Mail {
  return {
    kind,
    to,
    subject,
    text: [...lines, '', link, '', footer, ''].join('\n'),
    html: page(subject, [
      ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
      `<p>${escapeHtml(footer)}</p>`,
    ]),
  };
}

// Security notices carry no link: a mail that signs in is what phishing imitates.
function notice(kind: MailKind, to: string, subject: string, lines: string[]): Mail {
  return {
    kind,
    to,
    subject,
    text: [...lines, ''].join('\n'),
    html: page(subject, lines.map((line) => `<p>${escapeHtml(line)}</p>`)),
  };
}

function page(title: string, body: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body.join('')}</body></html>`;
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
