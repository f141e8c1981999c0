import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signUpWithMfa, totpCode, wrongCode } from '../helpers/mfa-operations.js';
import { createPost } from '../helpers/operations.js';
import { claimsOf } from '../helpers/token-claims.js';
import { outcome, PASSWORD, REFRESH, signUpUser, startTestApp, uniqueEmail, type TestApp } from '../helpers/test-app.js';

// The IDE in a real browser (Debian's Chromium), with every request that leaves the
// server's origin refused: it must work with no internet access.
const CHROMIUM = '/usr/bin/chromium';
const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(`Skipped "the GraphQL IDE in a browser": no ${CHROMIUM} (apt-get install -y chromium).`);
}
// Screenshots for a human to look at (git-ignored): test-output/ide-*.png at the repository root.
const SCREENSHOT_DIR = new URL('../../test-output/', import.meta.url);
// Short, so that the step-up test can let a sign-in grow stale by waiting.
const REAUTH_MAX_AGE_SECONDS = 5;

/** What a person copies from /dev/mail: the whole reset link mailed to `email` (the token follows "#token="). */
async function resetLinkFor(serverUrl: string, email: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const mails = (await (await fetch(`${serverUrl}/dev/mail.json`)).json()) as Array<{ to: string; text: string }>;
    const link = mails.find((mail) => mail.to === email)?.text.match(/\S+\/reset-password#token=\S+/)?.[0];
    if (link !== undefined) return link;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no reset link mailed to ${email} in /dev/mail.json`);
}

describeWithChromium('the GraphQL IDE in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    // Access tokens live 1 s (+ 5 s tolerance): the test sees one expire and get refreshed.
    app = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '1', REAUTH_MAX_AGE_SECONDS: String(REAUTH_MAX_AGE_SECONDS) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('loads offline, logs in, runs `me` with the token, and refreshes it when it expires', async () => {
    const user = await signUpUser(app);
    const context = await browser.newContext();
    const page = await context.newPage();
    const external: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(app.url)) return route.continue();
      external.push(route.request().url());
      return route.abort();
    });
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    const graphqlCalls: Array<{ operation: string; status: number }> = [];
    page.on('response', async (response) => {
      if (!response.url().endsWith('/graphql') || response.request().method() !== 'POST') return;
      const body = (response.request().postDataJSON() ?? {}) as { query?: string };
      graphqlCalls.push({ operation: /(query|mutation)\s+(\w+)/.exec(body.query ?? '')?.[2] ?? '?', status: response.status() });
    });

    await page.goto(`${app.url}/`); // redirects to /graphql
    expect(page.url()).toBe(`${app.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });

    await page.fill('#login input[name=email]', user.email);
    await page.fill('#login input[name=password]', user.password);
    await page.click('#login button');
    await page.locator('#who').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(`Signed in as ${user.email} (USER)`);
    expect(await page.isVisible('#login')).toBe(false);

    // Runs the editor's query; resolves with the /graphql calls it made, once `me` answered.
    const runMe = async () => {
      const before = graphqlCalls.length;
      await page.click('.graphiql-execute-button');
      const deadline = Date.now() + 10_000;
      while (!graphqlCalls.slice(before).some((call) => call.operation === 'Me' && call.status === 200)) {
        if (Date.now() > deadline) throw new Error(`no answer to Me: ${JSON.stringify(graphqlCalls.slice(before))}`);
        await page.waitForTimeout(50);
      }
      // A string, run in the page: this file is compiled without the DOM's types.
      await page.locator('.graphiql-response').filter({ hasText: user.user.id }).waitFor();
      return graphqlCalls.slice(before);
    };
    await runMe();
    const result = await page.locator('.graphiql-response').innerText();
    expect(result).toContain(user.email);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL('ide-me.png', SCREENSHOT_DIR).pathname, fullPage: true });

    // Let the access token expire (1 s lifetime + 5 s tolerance), clear the result, run again.
    await page.waitForTimeout(6_500);
    const calls = await runMe();
    expect(calls.map((call) => `${call.operation} ${call.status}`)).toEqual(['Me 401', 'Refresh 200', 'Me 200']);

    expect(external).toEqual([]);
    // The browser reports the expected 401 (the expired token) as a failed load; nothing else.
    expect(problems.filter((problem) => !problem.includes('status of 401'))).toEqual([]);
    await context.close();
  }, 60_000);
  it('signs up, clears an error at the next success, and shows a subscription event another user causes', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const external: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(app.url)) return route.continue();
      external.push(route.request().url());
      return route.abort();
    });
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    const sentFrames: string[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (frame) => sentFrames.push(String(frame.payload))));

    await page.goto(`${app.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    // In the page as strings: this file is compiled without the DOM's types.
    const setEditor = async (text: string) => {
      await page.evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(text)})`);
      // GraphiQL reads the operation's name from the editor after a 150 ms debounce.
      await page.waitForTimeout(1_000);
    };
    const responseContains = (text: string) =>
      // A locator polls without evaluating strings in the page, which its CSP (no 'unsafe-eval') forbids.
      page.locator('.graphiql-response').filter({ hasText: text }).waitFor();

    // A refused sign-up (password too short) says why, and the next success clears it.
    const email = uniqueEmail('ide-signup');
    await page.fill('#login input[name=email]', email);
    await page.fill('#login input[name=password]', 'short');
    await page.click('#login button[value=signup]');
    await page.locator('#status').filter({ hasText: /password/i }).waitFor();
    await setEditor('query Anonymous { me { id } }');
    await page.click('.graphiql-execute-button');
    await responseContains('"me": null');
    expect(await page.textContent('#status')).toBe('');

    await page.fill('#login input[name=password]', PASSWORD);
    await page.click('#login button[value=signup]');
    await page.locator('#who').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(`Signed in as ${email} (USER)`);
    expect(await page.textContent('#status')).toBe('');
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL('ide-sign-up.png', SCREENSHOT_DIR).pathname, fullPage: true });

    // A subscription in the editor runs over graphql-ws, with the token in connection_init.
    await setEditor('subscription OnPost {\n  postPublished {\n    id\n    title\n  }\n}\n');
    await page.click('.graphiql-execute-button');
    const deadline = Date.now() + 15_000;
    while (!sentFrames.some((frame) => frame.includes('"type":"subscribe"'))) {
      if (Date.now() > deadline) throw new Error(`no subscribe frame: ${JSON.stringify(sentFrames)}`);
      await page.waitForTimeout(50);
    }
    // The token the IDE holds now (the 1 s token may have been refreshed before connecting).
    const accessToken = await page.evaluate(`sessionStorage.getItem('gatehouse.accessToken')`);
    expect(typeof accessToken).toBe('string');
    const init = sentFrames.map((frame) => JSON.parse(frame) as { type: string; payload?: unknown }).find((frame) => frame.type === 'connection_init');
    expect(init?.payload).toEqual({ authorization: `Bearer ${accessToken}` });

    // Another user publishes over HTTP; the IDE shows the event.
    const author = await signUpUser(app);
    const title = `Seen live ${Date.now()}`;
    const postId = await createPost(app, author.accessToken, { title, publish: true });
    await responseContains(title);
    expect(await page.locator('.graphiql-response').innerText()).toContain(postId);
    await page.screenshot({ path: new URL('ide-subscription.png', SCREENSHOT_DIR).pathname, fullPage: true });

    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('resets a forgotten password from the bar: asks for the link, takes the pasted token and signs in', async () => {
    const user = await signUpUser(app);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${app.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });

    await page.fill('#login input[name=email]', user.email);
    await page.click('#forgot');
    expect(await page.isVisible('#login')).toBe(false);
    // The address typed for the login is carried over; /dev/mail is linked (development, no SMTP_URL).
    expect(await page.inputValue('#reset-request input[name=email]')).toBe(user.email);
    await page.locator('#dev-mail').waitFor({ state: 'visible' });
    await page.click('#reset-request button');
    await page.locator('#reset-password').waitFor({ state: 'visible' });

    const link = await resetLinkFor(app.url, user.email);
    // A refused password says why and keeps the link usable.
    await page.fill('#reset-password input[name=token]', link);
    await page.fill('#reset-password input[name=newPassword]', 'short');
    await page.click('#reset-password button');
    await page.waitForFunction(`/password/i.test(document.getElementById('status').textContent)`);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL('ide-reset-password.png', SCREENSHOT_DIR).pathname, fullPage: true });

    const newPassword = 'a brand new passphrase';
    await page.fill('#reset-password input[name=newPassword]', newPassword);
    await page.click('#reset-password button');
    await page.locator('#who').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(`Signed in as ${user.email} (USER)`);
    expect(await page.isVisible('#forgot-panel')).toBe(false);
    await page.screenshot({ path: new URL('ide-reset-signed-in.png', SCREENSHOT_DIR).pathname, fullPage: true });

    // The new password is the account's; the old one no longer works.
    const login = /* GraphQL */ `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;
    expect((await app.graphql(login, { email: user.email, password: newPassword })).body.errors).toBeUndefined();
    expect((await app.graphql(login, { email: user.email, password: user.password })).body.errors?.[0]?.extensions).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    // The refused attempt (BAD_USER_INPUT answers HTTP 200) logs nothing in the console.
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
  /** A fresh page on the IDE, with what its console and /graphql traffic report. */
  async function openIde() {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    const calls: Array<{ operation: string; status: number; authorization?: string; body: Promise<unknown> }> = [];
    page.on('response', (response) => {
      if (!response.url().endsWith('/graphql') || response.request().method() !== 'POST') return;
      const query = ((response.request().postDataJSON() ?? {}) as { query?: string }).query ?? '';
      calls.push({
        operation: /(query|mutation)\s+(\w+)/.exec(query)?.[2] ?? '?',
        status: response.status(),
        authorization: response.request().headers().authorization,
        body: response.json().catch(() => undefined),
      });
    });
    await page.goto(`${app.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    /** Resolves once `count` answers to `operation` have arrived. */
    const answered = async (operation: string, count: number) => {
      const deadline = Date.now() + 10_000;
      while (calls.filter((call) => call.operation === operation).length < count) {
        if (Date.now() > deadline) throw new Error(`no answer ${count} to ${operation}: ${JSON.stringify(calls.map((call) => call.operation))}`);
        await page.waitForTimeout(50);
      }
    };
    return { context, page, problems, calls, answered };
  }

  async function logIn(page: Page, email: string, password: string) {
    await page.fill('#login input[name=email]', email);
    await page.fill('#login input[name=password]', password);
    await page.click('#login button[value=login]');
  }

  const statusSays = (page: Page, text: string | RegExp) => page.locator('#status').filter({ hasText: text }).waitFor();
  const screenshot = async (page: Page, name: string) => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL(name, SCREENSHOT_DIR).pathname, fullPage: true });
  };

  it('asks an MFA user for the code after the password: a wrong code says so, the right one signs in with aal 2, and `me` runs with it', async () => {
    const user = await signUpWithMfa(app);
    const { context, page, problems, calls, answered } = await openIde();

    await logIn(page, user.email, user.password);
    const codeField = page.getByLabel('Authenticator or recovery code');
    await codeField.waitFor({ state: 'visible' });
    // Not signed in yet: the editor holds no token, and the bar names whose code it wants.
    expect(await page.isVisible('#login')).toBe(false);
    expect(await page.isVisible('#who')).toBe(false);
    expect(await page.evaluate(`sessionStorage.getItem('gatehouse.accessToken')`)).toBeNull();
    expect(await page.textContent('#status')).toContain(user.email);
    expect(await page.evaluate(`document.activeElement.id`)).toBe('mfa-code');

    // The next step after the one enrollment spent: never a replay.
    const right = totpCode(user.secret, Date.now(), 1);
    await codeField.fill(wrongCode(right));
    await codeField.press('Enter');
    await answered('VerifyMfa', 1);
    await statusSays(page, 'The code is wrong, already used or malformed.');
    expect(await codeField.inputValue()).toBe('');
    expect(await page.isVisible('#who')).toBe(false);
    await screenshot(page, 'ide-mfa-wrong-code.png');

    await codeField.fill(right);
    await codeField.press('Enter');
    await page.locator('#who').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(`Signed in as ${user.email} (USER)`);
    expect(await page.isVisible('#mfa')).toBe(false);
    expect(await page.textContent('#status')).toBe('');

    await page.click('.graphiql-execute-button');
    await page.locator('.graphiql-response').filter({ hasText: user.user.id }).waitFor();
    expect(await page.locator('.graphiql-response').innerText()).toContain(user.email);
    // `me` went with the session's aal 2 token (refreshed, maybe: a refresh keeps aal).
    const me = calls.filter((call) => call.operation === 'Me' && call.status === 200).at(-1);
    expect(claimsOf(me!.authorization!.replace(/^Bearer /, ''))).toMatchObject({ aal: 2, amr: ['pwd', 'otp'] });
    await screenshot(page, 'ide-mfa-signed-in.png');

    // Step-up: once the sign-in is older than REAUTH_MAX_AGE_SECONDS, a step-up operation
    // is refused and the bar asks to confirm (password and, MFA being on, a code).
    await page.waitForTimeout(REAUTH_MAX_AGE_SECONDS * 1000 + 500);
    await page.evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('mutation Regenerate { regenerateRecoveryCodes }')`);
    await page.waitForTimeout(1_000); // GraphiQL reads the operation's name after a debounce
    await page.click('.graphiql-execute-button');
    await page.locator('.graphiql-response').filter({ hasText: 'REAUTH_REQUIRED' }).waitFor();
    await page.locator('#reauth').waitFor({ state: 'visible' });
    await statusSays(page, "confirm it's you");
    const password = page.getByLabel('Password', { exact: true });
    const code = page.getByLabel('Code', { exact: true });
    expect(await code.isVisible()).toBe(true);
    // A wrong password is refused before the code is looked at: the recovery code stays unspent.
    await password.fill('not the password at all');
    await code.fill(user.recoveryCodes[0]!);
    await code.press('Enter');
    await statusSays(page, 'The password is incorrect.');
    expect(await page.isVisible('#reauth')).toBe(true);
    await screenshot(page, 'ide-step-up.png');
    expect(await password.inputValue()).toBe('');
    expect(await code.inputValue()).toBe(user.recoveryCodes[0]);
    await password.fill(user.password);
    await password.press('Enter');
    await statusSays(page, 'Confirmed: run the operation again.');
    expect(await page.isVisible('#reauth')).toBe(false);
    await page.click('.graphiql-execute-button');
    await page.locator('.graphiql-response').filter({ hasText: '"regenerateRecoveryCodes": [' }).waitFor();
    expect(await page.isVisible('#reauth')).toBe(false);

    // Only the expected 401s (a 1 s access token expiring) reach the console.
    expect(problems.filter((problem) => !problem.includes('status of 401'))).toEqual([]);
    await context.close();
  }, 90_000);

  it('ends a pending login on Cancel, and shows the wait when wrong codes are rate limited', async () => {
    const user = await signUpWithMfa(app);
    const { context, page, problems, calls, answered } = await openIde();
    const codeField = page.getByLabel('Authenticator or recovery code');

    await logIn(page, user.email, user.password);
    await codeField.waitFor({ state: 'visible' });
    await page.click('#mfa-cancel');
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.isVisible('#mfa')).toBe(false);
    expect(await page.textContent('#status')).toBe('Login cancelled.');
    // Cancel logged the pending session out on the server: its refresh token is dead.
    await answered('Logout', 1);
    const login = (await calls.find((call) => call.operation === 'Login')!.body) as { data: { login: { mfaRequired: boolean; refreshToken: string } } };
    expect(login.data.login.mfaRequired).toBe(true);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: login.data.login.refreshToken }))).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });

    // Five wrong codes in one session are refused as wrong; the sixth is rate limited.
    await logIn(page, user.email, user.password);
    await codeField.waitFor({ state: 'visible' });
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      await codeField.fill(wrongCode(totpCode(user.secret, Date.now(), 1)));
      await codeField.press('Enter');
      await answered('VerifyMfa', attempt);
      await page.locator('#status').filter({ hasNotText: 'Checking the code' }).waitFor();
      if (attempt <= 5) expect(await page.textContent('#status')).toBe('The code is wrong, already used or malformed.');
    }
    // The wait shown is the server's retryAfter.
    const limited = (await calls.filter((call) => call.operation === 'VerifyMfa')[5]!.body) as { errors: Array<{ extensions: { code: string; retryAfter: number } }> };
    expect(limited.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(await page.textContent('#status')).toMatch(new RegExp(`Try again in ${limited.errors[0]!.extensions.retryAfter} (s|seconds)\\.`));
    expect(await page.isVisible('#mfa')).toBe(true);
    expect(await page.isVisible('#who')).toBe(false);
    await screenshot(page, 'ide-mfa-rate-limited.png');

    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
  it('asks for the code after a forgotten password is reset, and a recovery code signs in', async () => {
    const user = await signUpWithMfa(app);
    const { context, page, problems, calls } = await openIde();
    await page.fill('#login input[name=email]', user.email);
    await page.click('#forgot');
    await page.click('#reset-request button');
    await page.locator('#reset-password').waitFor({ state: 'visible' });
    const link = await resetLinkFor(app.url, user.email);
    await page.fill('#reset-password input[name=token]', link);
    await page.fill('#reset-password input[name=newPassword]', 'a passphrase after the reset');
    await page.click('#reset-password button');

    const codeField = page.getByLabel('Authenticator or recovery code');
    await codeField.waitFor({ state: 'visible' });
    expect(await page.isVisible('#forgot-panel')).toBe(false);
    expect(await page.isVisible('#who')).toBe(false);
    expect(await page.textContent('#status')).toMatch(/^Password reset: every other session has ended\. Enter the code/);
    await codeField.fill(user.recoveryCodes[1]!);
    await codeField.press('Enter');
    await page.locator('#who').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(`Signed in as ${user.email} (USER)`);
    const verified = (await calls.find((call) => call.operation === 'VerifyMfa')!.body) as { data: { verifyMfa: { accessToken: string; mfaRequired: boolean } } };
    expect(verified.data.verifyMfa.mfaRequired).toBe(false);
    expect(claimsOf(verified.data.verifyMfa.accessToken)).toMatchObject({ aal: 2 });
    await screenshot(page, 'ide-mfa-reset-signed-in.png');

    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
