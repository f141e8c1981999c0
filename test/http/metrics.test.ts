import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { LOGIN, ME, PASSWORD, signUpUser, useTestApp } from '../helpers/test-app.js';

const TOKEN = `metrics-${randomUUID()}`;

/** GET /metrics with the given Authorization header (none when undefined). */
async function scrape(url: string, authorization?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((row) => row.startsWith(`${name}{`) && wanted.every((label) => row.slice(row.indexOf('{'), row.indexOf('}')).includes(label)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics without METRICS_TOKEN', () => {
  const app = useTestApp();

  it('is 404, with or without a token', async () => {
    expect((await scrape(app.url)).status).toBe(404);
    expect((await scrape(app.url, `Bearer ${TOKEN}`)).status).toBe(404);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const app = useTestApp({ METRICS_TOKEN: TOKEN });

  it('refuses a missing, malformed or wrong token with 401 UNAUTHENTICATED, showing no metric', async () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'TOKEN_MISSING'],
      ['', 'TOKEN_MISSING'],
      [`Basic ${TOKEN}`, 'TOKEN_MISSING'],
      [`Bearer ${TOKEN}x`, 'TOKEN_INVALID'],
      [`Bearer ${TOKEN.slice(0, -1)}`, 'TOKEN_INVALID'],
      ['Bearer wrong', 'TOKEN_INVALID'],
    ];
    for (const [authorization, reason] of cases) {
      const response = await scrape(app.url, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(JSON.parse(response.text)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED', reason } }] });
      expect(response.text).not.toContain('gatehouse_');
    }
  });

  it('serves Prometheus text to the token (scheme in any case): process, event loop and the server\'s own metrics', async () => {
    const response = await scrape(app.url, `bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'gatehouse_http_requests_total',
      'gatehouse_login_duration_seconds',
    ]) {
      expect(response.text).toContain(`# TYPE ${name}`);
    }
    // The embedded database has no pool.
    if (process.env.DATABASE_URL === undefined) expect(response.text).not.toContain('gatehouse_db_pool_connections');
    else expect(response.text).toMatch(/gatehouse_db_pool_connections\{state="total"\} \d+/);
  });

  it('counts a login, its outcome and latency, operations, token verifications and HTTP requests', async () => {
    const before = (await scrape(app.url, `Bearer ${TOKEN}`)).text;
    const user = await signUpUser(app);
    await app.graphql(LOGIN, { email: user.email, password: PASSWORD });
    await app.graphql(LOGIN, { email: user.email, password: 'a wrong password' });
    await app.graphql(ME, {}, { token: user.accessToken });
    const garbled = await app.graphql(ME, {}, { token: `${user.accessToken.slice(0, -2)}xx` });
    expect(garbled.status).toBe(401);
    const after = (await scrape(app.url, `Bearer ${TOKEN}`)).text;

    const grew = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(grew('gatehouse_auth_events_total', { operation: 'login', outcome: 'ok' })).toBe(1);
    expect(grew('gatehouse_auth_events_total', { operation: 'login', outcome: 'INVALID_CREDENTIALS' })).toBe(1);
    expect(grew('gatehouse_auth_events_total', { operation: 'signUp', outcome: 'ok' })).toBe(1);
    expect(grew('gatehouse_login_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(grew('gatehouse_graphql_operations_total', { type: 'mutation', outcome: 'ok' })).toBe(2);
    expect(grew('gatehouse_graphql_operations_total', { type: 'mutation', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(grew('gatehouse_graphql_operations_total', { type: 'query', outcome: 'ok' })).toBe(1);
    expect(grew('gatehouse_token_verifications_total', { result: 'valid' })).toBe(1);
    expect(grew('gatehouse_token_verifications_total', { result: 'TOKEN_INVALID' })).toBe(1);
    expect(grew('gatehouse_http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBe(4);
    expect(grew('gatehouse_http_requests_total', { method: 'POST', route: '/graphql', status: '401' })).toBe(1);
  });

  it('keeps labels to values the server defines: no raw path, operation name, user id or email', async () => {
    const marker = randomUUID().replaceAll('-', '');
    const user = await signUpUser(app);
    await fetch(`${app.url}/not-here/${marker}?q=${marker}`);
    await fetch(`${app.url}/graphql`, { method: `PURGE` }).catch(() => {});
    await app.graphql(`query Op${marker} { me { id } }`, {}, { token: user.accessToken });
    const text = (await scrape(app.url, `Bearer ${TOKEN}`)).text;
    for (const secret of [marker, user.user.id, user.email, user.accessToken, TOKEN]) expect(text).not.toContain(secret);
    expect(sample(text, 'gatehouse_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
  });
});
