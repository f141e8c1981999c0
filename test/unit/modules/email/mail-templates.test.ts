import { describe, expect, it } from '@jest/globals';
import {
  composeEmailChangedMail,
  composePasswordChangedMail,
  composePasswordResetMail,
  composeResetPasswordMail,
  composeVerifyEmailMail,
  escapeHtml,
  linkFor,
} from '../../../../src/modules/email/mail-templates.js';

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
    for (const notice of [composePasswordChangedMail('a@example.com'), composePasswordResetMail('a@example.com'), composeEmailChangedMail('a@example.com', 'b@example.com')]) {
      expect(notice.text).not.toMatch(/https?:\/\//);
      expect(notice.html).not.toMatch(/href=/);
    }
  });

  it('escape the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
