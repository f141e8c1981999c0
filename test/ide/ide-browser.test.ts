import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { createPost } from '../helpers/operations.js';
import { PASSWORD, signUpUser, startTestApp, uniqueEmail, type TestApp } from '../helpers/test-app.js';

// The IDE in a real browser (Debian's Chromium), with every request that leaves the
// server's origin refused: it must work with no internet access.
const CHROMIUM = '/usr/bin/chromium';
const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(`Skipped "the GraphQL IDE in a browser": no ${CHROMIUM} (apt-get install -y chromium).`);
}
// Screenshots for a human to look at (git-ignored): test-output/ide-*.png at the repository root.
const SCREENSHOT_DIR = new URL('../../test-output/', import.meta.url);

describeWithChromium('the GraphQL IDE in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    // Access tokens live 1 s (+ 5 s tolerance): the test sees one expire and get refreshed.
    app = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '1' });
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

    // What a person copies from /dev/mail: the whole link (the token follows "#token=").
    let link: string | undefined;
    for (let attempt = 0; attempt < 100 && link === undefined; attempt += 1) {
      const mails = (await (await fetch(`${app.url}/dev/mail.json`)).json()) as Array<{ to: string; text: string }>;
      link = mails.find((mail) => mail.to === user.email)?.text.match(/\S+\/reset-password#token=\S+/)?.[0];
      if (link === undefined) await page.waitForTimeout(20);
    }
    expect(link).toBeDefined();
    // A refused password says why and keeps the link usable.
    await page.fill('#reset-password input[name=token]', link!);
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
});
