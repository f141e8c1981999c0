import type { SecurityNotice } from '../../auth/security-notice.js';

/**
 * The kinds of mail Gatehouse sends: three carry a link; the others are security notices,
 * the core's (a password or MFA change) and this module's own (a reset, an address change).
 */
export type MailKind = 'verify-email' | 'change-email' | 'reset-password' | 'password-reset' | 'email-changed' | SecurityNotice['kind'];

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

/** The mail telling the user of a change to their account, for each kind of the core's notices. */
export function composeSecurityNoticeMail(to: string, change: SecurityNotice): Mail {
  switch (change.kind) {
    case 'password-changed':
      return composePasswordChangedMail(to);
    case 'mfa-enabled':
      return notice('mfa-enabled', to, 'Two-factor authentication was turned on', [
        'Two-factor authentication was just turned on for your account: signing in now also needs a code from your authenticator app, or one of your recovery codes.',
        'If this was not you, someone has your password: reset it at once and contact the administrator of this service.',
      ]);
    case 'mfa-authenticator-changed':
      return notice('mfa-authenticator-changed', to, 'Your two-factor authenticator was changed', [
        'A new authenticator app was just set up for the two-factor authentication of your account. Codes from the previous one no longer work, nor do your earlier recovery codes.',
        'If this was not you, reset your password at once and contact the administrator of this service.',
      ]);
    case 'mfa-disabled':
      return notice('mfa-disabled', to, 'Two-factor authentication was turned off', [
        'Two-factor authentication was just turned off for your account: signing in now needs the password alone, and your recovery codes no longer work.',
        'If this was not you, reset your password at once, turn two-factor authentication on again and check your account.',
      ]);
    case 'recovery-codes-regenerated':
      return notice('recovery-codes-regenerated', to, 'New recovery codes were generated', [
        'A new set of recovery codes was just generated for your account. The earlier codes no longer work.',
        'If this was not you, reset your password at once and contact the administrator of this service.',
      ]);
    case 'recovery-code-used':
      return notice('recovery-code-used', to, 'A recovery code was used', [
        `One of the recovery codes of your account was just used instead of a code from your authenticator app. It cannot be used again; ${remainingCodes(change.remaining)}.`,
        'If you lost your authenticator app, set up a new one and generate new recovery codes. If this was not you, someone has your password and a recovery code: reset your password and generate new recovery codes at once.',
      ]);
  }
}

function remainingCodes(count: number): string {
  if (count === 0) return 'none is left: generate new ones';
  return count === 1 ? '1 is left' : `${count} are left`;
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
