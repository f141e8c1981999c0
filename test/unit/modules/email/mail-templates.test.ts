import { describe, expect, it } from '@jest/globals';
import type { SecurityNotice } from '../../../../src/auth/security-notice.js';
import {
  composeEmailChangedMail,
  composePasswordChangedMail,
  composePasswordResetMail,
  composeResetPasswordMail,
  composeSecurityNoticeMail,
  composeVerifyEmailMail,
  escapeHtml,
  linkFor,
} from '../../../../src/modules/email/mail-templates.js';

const SECURITY_NOTICES: SecurityNotice[] = [
  { kind: 'password-changed' },
  { kind: 'mfa-enabled' },
  { kind: 'mfa-authenticator-changed' },
  { kind: 'mfa-disabled' },
  { kind: 'recovery-codes-regenerated' },
  { kind: 'recovery-code-used', remaining: 3 },
];

describe('mail templates', () => {
  it('put the token in the fragment of an APP_URL link, percent-encoded', () => {
    expect(linkFor('https://app.example.com', 'reset-password', 'a+b/c')).toBe('https://app.example.com/reset-password#token=a%2Bb%2Fc');
  });

  it('escape interpolated values in the HTML body, not in the text body', () => {
    const address = '"><script>alert(1)</script>@example.com';
    const mail = composeEmailChangedMail('old@example.com', address);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&#34;&#62;&#60;script&#62;');
    expect(mail.text).toContain(address);
  });

  it('escape the link in the href', () => {
    const mail = composeVerifyEmailMail('a@example.com', 'https://app.example.com/verify-email#token=x"onmouseover="y');
    expect(mail.html).toContain('href="https://app.example.com/verify-email#token=x&#34;onmouseover=&#34;y"');
  });

  it('give links in both bodies, and notices no link at all', () => {
    const link = 'https://app.example.com/reset-password#token=abc';
    const reset = composeResetPasswordMail('a@example.com', link);
    expect(reset.text).toContain(link);
    expect(reset.html).toContain(`href="${link}"`);
    const notices = [
      composePasswordChangedMail('a@example.com'),
      composePasswordResetMail('a@example.com'),
      composeEmailChangedMail('a@example.com', 'b@example.com'),
      ...SECURITY_NOTICES.map((notice) => composeSecurityNoticeMail('a@example.com', notice)),
    ];
    for (const notice of notices) {
      expect(notice.text).not.toMatch(/https?:\/\//);
      expect(notice.html).not.toMatch(/href=/);
    }
  });

  it('give each of the core\'s security notices a subject of its own, the kind it is filed under, and both bodies', () => {
    const mails = SECURITY_NOTICES.map((notice) => composeSecurityNoticeMail('a@example.com', notice));
    expect(mails.map((mail) => mail.kind)).toEqual(SECURITY_NOTICES.map((notice) => notice.kind));
    expect(new Set(mails.map((mail) => mail.subject)).size).toBe(mails.length);
    for (const mail of mails) {
      expect(mail.to).toBe('a@example.com');
      expect(mail.text.trim()).not.toBe('');
      expect(mail.html).toContain(`<title>${escapeHtml(mail.subject)}</title>`);
    }
  });

  it('say how many recovery codes are left, in words that fit the number', () => {
    const left = (remaining: number) => composeSecurityNoticeMail('a@example.com', { kind: 'recovery-code-used', remaining }).text;
    expect(left(9)).toContain('9 are left');
    expect(left(1)).toContain('1 is left');
    expect(left(0)).toContain('none is left: generate new ones');
  });

  it('escape the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
