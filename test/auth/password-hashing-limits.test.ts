import { randomInt } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LOGIN, ME, PASSWORD, SIGN_UP, outcome, signUpUser, startTestApp, uniqueEmail, type TestApp } from '../helpers/test-app.js';

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** POSTs an operation from a given loopback address (every 127.x.y.z reaches the server: one client IP each). */
function postFrom(url: string, localAddress: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query, variables }));
  });
}

// An address of its own for each count: 127.0.0.1 is every other test's address too.
const randomAddress = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('password hashing under a flood of logins and sign-ups', () => {
  let app: TestApp;
  // Fixed here (and a short queue) so that the test does not depend on the machine's cores.
  const limits = { concurrency: 1, maxWaiting: 4 };
  beforeAll(async () => {
    app = await startTestApp({}, { hashingLimits: limits });
  });
  afterAll(() => app?.stop());

  it('keeps another user’s `me` responsive while 64 clients log in and sign up at once', async () => {
    const victim = await signUpUser(app);
    const meLatencies = async (samples: number) => {
      const latencies: number[] = [];
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        const response = await app.graphql(ME, {}, { token: victim.accessToken });
        latencies.push(performance.now() - started);
        expect(response.body.data?.me?.id).toBe(victim.user.id);
      }
      return latencies;
    };
    await meLatencies(5); // warm-up
    const idle = median(await meLatencies(15));

    // 64 clients at once, half logging in (an unknown email: one verification each), half signing up.
    const outcomes: unknown[] = [];
    let done = false;
    const burst = Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const response =
          i % 2 === 0
            ? await app.graphql(LOGIN, { email: uniqueEmail('nobody'), password: PASSWORD })
            : await app.graphql(SIGN_UP, { email: uniqueEmail('flood'), password: PASSWORD });
        outcomes.push(outcome(response));
      }),
    ).finally(() => (done = true));
    const samples: number[] = [];
    while (!done || samples.length < 5) samples.push(...(await meLatencies(1)));
    await burst;
    const during = median(samples);
    const busy = outcomes.filter((o) => (o as { code?: string }).code === 'RATE_LIMITED').length;
    console.info(
      `FLOOD: ${outcomes.length} logins/sign-ups (${busy} RATE_LIMITED); me median idle ${idle.toFixed(1)} ms, ` +
        `during 64 clients ${during.toFixed(1)} ms over ${samples.length} samples (x${(during / idle).toFixed(1)})`,
    );
    // Each one either ran (a sign-up, a wrong login) or was told to retry: none failed otherwise.
    for (const o of outcomes) {
      expect([
        'OK',
        { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' },
        { code: 'RATE_LIMITED', retryAfter: 1 },
      ]).toContainEqual(o);
    }
    expect(outcomes.some((o) => o === 'OK')).toBe(true);
    // The queue held 1 running and 4 waiting: the others were told to retry, not queued for ever.
    expect(busy).toBeGreaterThan(0);
    expect(during / idle).toBeLessThan(10);
  });
});

describe('SIGNUP_MAX_PER_IP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ SIGNUP_MAX_PER_IP: '20' });
  });
  afterAll(() => app?.stop());

  it('refuses the 21st sign-up from one address in an hour with RATE_LIMITED, taken emails counted too', async () => {
    const address = randomAddress();
    // From an address of its own: 127.0.0.1 has signed up every user of this file.
    const taken = uniqueEmail('taken');
    expect((await postFrom(app.url, randomAddress(), SIGN_UP, { email: taken, password: PASSWORD })).body.errors).toBeUndefined();
    for (let i = 0; i < 20; i++) {
      const email = i % 2 === 0 ? taken : uniqueEmail('limited');
      const response = await postFrom(app.url, address, SIGN_UP, { email, password: PASSWORD });
      expect(outcome(response as never)).toEqual(i % 2 === 0 ? { code: 'BAD_USER_INPUT', reason: 'EMAIL_TAKEN', field: 'email' } : 'OK');
    }
    const email = uniqueEmail('21st');
    const refused = await postFrom(app.url, address, SIGN_UP, { email, password: PASSWORD });
    expect(refused.body.errors![0]!.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    const retryAfter = refused.body.errors![0]!.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(3_000);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    // Nothing was created, and another address is not limited.
    expect(outcome((await postFrom(app.url, randomAddress(), LOGIN, { email, password: PASSWORD })) as never)).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
    const elsewhere = await postFrom(app.url, randomAddress(), SIGN_UP, { email, password: PASSWORD });
    expect(elsewhere.body.errors).toBeUndefined();
  });

  it('does not count input refused before any hashing (a malformed email)', async () => {
    const address = randomAddress();
    for (let i = 0; i < 25; i++) {
      const response = await postFrom(app.url, address, SIGN_UP, { email: 'not an email', password: PASSWORD });
      expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    }
    const response = await postFrom(app.url, address, SIGN_UP, { email: uniqueEmail('after-typos'), password: PASSWORD });
    expect(response.body.errors).toBeUndefined();
  });
});

describe('password-checking mutations per request', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  it('refuses 15 aliased sign-ups in one request before any runs', async () => {
    const emails = Array.from({ length: 15 }, () => uniqueEmail('alias'));
    const query = `mutation { ${emails.map((email, i) => `s${i}: signUp(email: "${email}", password: "${PASSWORD}") { accessToken }`).join(' ')} }`;
    const response = await app.graphql(query);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(outcome(response)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(response.body.errors![0]!.message).toMatch(/password-checking mutation/);
    for (const email of emails.slice(0, 3)) {
      expect(outcome(await app.graphql(LOGIN, { email, password: PASSWORD }))).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
    }
  });

  it('refuses a login beside a sign-up, and two logins; one alone runs', async () => {
    const user = await signUpUser(app);
    const login = (alias: string) => `${alias}: login(email: "${user.email}", password: "${PASSWORD}") { accessToken }`;
    const two = await app.graphql(`mutation { ${login('a')} ${login('b')} }`);
    expect(outcome(two)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const mixed = await app.graphql(`mutation { ${login('a')} b: signUp(email: "${uniqueEmail()}", password: "${PASSWORD}") { accessToken } }`);
    expect(outcome(mixed)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const one = await app.graphql(`mutation { ${login('a')} }`);
    expect(one.body.errors).toBeUndefined();
  });
});
