import { describe, expect, it } from '@jest/globals';
import { signUpUser, useTestApp, uniqueEmail } from '../helpers/test-app.js';
import { REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../helpers/email-operations.js';

interface DevMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: string;
}

describe('/dev/mail without SMTP_URL in development', () => {
  const app = useTestApp({ APP_URL: 'http://localhost:5173' });
  const kept = async () => (await (await fetch(`${app.url}/dev/mail.json`)).json()) as DevMail[];

  it('keeps mail and lists it as JSON, newest first, with both bodies', async () => {
    const user = await signUpUser(app, uniqueEmail('dev'));
    await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken });
    await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
    let mails: DevMail[] = [];
    for (let i = 0; i < 100 && mails.filter((mail) => mail.to === user.email).length < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      mails = await kept();
    }
    const mine = mails.filter((mail) => mail.to === user.email);
    expect(mine.map((mail) => mail.subject)).toEqual(['Reset your password', 'Verify your email address']);
    expect(Object.keys(mine[0]!).sort()).toEqual(['createdAt', 'html', 'id', 'subject', 'text', 'to']);
    expect(mine[0]!.text).toMatch(/^http:\/\/localhost:5173\/reset-password#token=[A-Za-z0-9_-]{43}$/m);
    expect(mine[0]!.html).toContain('<a href="http://localhost:5173/reset-password#token=');
    expect(Date.parse(mine[0]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(mine[1]!.createdAt));
  });

  it('serves an HTML list and one-message pages, escaping what the mail holds', async () => {
    // An address with HTML in its local part is a valid one: the page must show it as text.
    const email = `<b>x</b>${Date.now()}@example.com`;
    const user = await signUpUser(app, email);
    await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken });
    let mail: DevMail | undefined;
    for (let i = 0; i < 100 && mail === undefined; i += 1) mail = (await kept()).find((m) => m.to === email);
    expect(mail).toBeDefined();
    const list = await fetch(`${app.url}/dev/mail`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await list.text();
    expect(page).toContain('&#60;b&#62;x&#60;/b&#62;');
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain(`/dev/mail/${mail!.id}`);
    expect(mail!.html).not.toContain('<b>x</b>');

    const one = await fetch(`${app.url}/dev/mail/${mail!.id}`);
    expect(one.status).toBe(200);
    const body = await one.text();
    expect(body).toContain('Verify your email address');
    expect(body).toContain('verify-email#token=');
    expect((await fetch(`${app.url}/dev/mail/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it('lets a reset be done end to end with the link read from /dev/mail.json', async () => {
    const user = await signUpUser(app, uniqueEmail('tour'));
    await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
    let mail: DevMail | undefined;
    for (let i = 0; i < 100 && mail === undefined; i += 1) mail = (await kept()).find((m) => m.to === user.email);
    const token = /#token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
    const response = await app.graphql(RESET_PASSWORD, { token, newPassword: 'a new passphrase' });
    expect(response.body.errors).toBeUndefined();
  });
});

describe('/dev/mail in production', () => {
  const app = useTestApp({ NODE_ENV: 'production' });

  it.each(['/dev/mail', '/dev/mail.json', '/dev/mail/00000000-0000-0000-0000-000000000000'])('%s is 404', async (path) => {
    expect((await fetch(`${app.url}${path}`)).status).toBe(404);
  });
});
