import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ME, SIGN_UP, outcome, signUpUser, startTestApp, uniqueEmail, type TestApp } from '../helpers/test-app.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';

// Gatehouse reaches PostgreSQL through a proxy the test can take down, so the outage
// hits this server only, not the other test files sharing the database.
const databaseUrl = process.env.DATABASE_URL;

const UNAVAILABLE = { code: 'SERVICE_UNAVAILABLE' };

describeWithPostgres('a PostgreSQL outage', () => {
  let proxy: TcpProxy;
  let app: TestApp;
  let production: TestApp;
  beforeAll(async () => {
    const target = new URL(databaseUrl!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(databaseUrl!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    // Both the caches would hide the outage from `me`: the session cache is off here.
    const env = { DATABASE_URL: proxied.toString() };
    app = await startTestApp(env, { sessionCacheTtlMs: 0 });
    production = await startTestApp({ ...env, NODE_ENV: 'production' }, { sessionCacheTtlMs: 0 });
  });
  afterAll(async () => {
    await proxy?.up();
    await app?.stop();
    await production?.stop();
    await proxy?.close();
  });

  it('fails requests fast with 503 SERVICE_UNAVAILABLE, turns /readyz 503, and recovers on its own', async () => {
    const user = await signUpUser(app);
    await proxy.down();
    try {
      const started = performance.now();
      const signUp = await app.graphql(SIGN_UP, { email: uniqueEmail(), password: 'a good password' });
      const me = await app.graphql(ME, {}, { token: user.accessToken });
      const prod = await production.graphql(SIGN_UP, { email: uniqueEmail(), password: 'a good password' });
      const ready = await fetch(`${app.url}/readyz`);
      expect(performance.now() - started).toBeLessThan(4_000);

      expect(signUp.status).toBe(503);
      expect(signUp.headers.get('retry-after')).toBe('1');
      expect(outcome(signUp)).toEqual(UNAVAILABLE);
      expect(me.status).toBe(503);
      expect(outcome(me)).toEqual(UNAVAILABLE);
      expect(JSON.stringify(signUp.body)).not.toMatch(/argon2|params|Failed query/);
      expect(prod.status).toBe(503);
      expect(prod.body.errors).toEqual([
        { message: 'The database is unavailable. Try again shortly.', path: ['signUp'], extensions: UNAVAILABLE },
      ]);
      expect(ready.status).toBe(503);
      // The process is still there and still answers what needs no database.
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await proxy.up();
    }

    // Back: new connections are made on demand, no restart.
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${app.url}/readyz`)).status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
    expect((await signUpUser(app)).user.id).toEqual(expect.any(String));
  });

  it('hears revocations by notification again after the outage (the LISTEN connection reconnects)', async () => {
    // A server whose cached sessions are trusted for the full second the contract allows:
    // a refusal well under that came by notification, not by the cache expiring.
    const proxied = new URL(databaseUrl!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const listening = await startTestApp({ DATABASE_URL: proxied.toString() }, { sessionCacheTtlMs: 1_000 });
    const direct = await startTestApp({ JWT_SECRET: listening.jwtSecret, DATABASE_URL: databaseUrl! });
    try {
      await proxy.down();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await proxy.up();

      const delays: number[] = [];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !(delays.length >= 3 && delays.slice(-3).every((delay) => delay < 250))) {
        const user = await signUpUser(direct);
        if (outcome(await listening.graphql(ME, {}, { token: user.accessToken })) !== 'OK') continue; // still reconnecting
        expect(outcome(await direct.graphql('mutation { logout }', {}, { token: user.accessToken }))).toBe('OK');
        const started = performance.now();
        while (outcome(await listening.graphql(ME, {}, { token: user.accessToken })) === 'OK') {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        delays.push(performance.now() - started);
      }
      expect(delays.slice(-3).every((delay) => delay < 250)).toBe(true);
      expect(Math.max(...delays)).toBeLessThan(1_100);
    } finally {
      await proxy.up();
      await direct.stop();
      await listening.stop();
    }
  }, 30_000);

  it('gives up on a database that stopped answering within the connection timeout, not never', async () => {
    const user = await signUpUser(app);
    proxy.blackhole();
    try {
      const started = performance.now();
      const me = await app.graphql(ME, {}, { token: user.accessToken });
      const took = performance.now() - started;
      expect(me.status).toBe(503);
      expect(outcome(me)).toEqual(UNAVAILABLE);
      expect(took).toBeLessThan(8_000);
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await proxy.up();
    }
    const deadline = Date.now() + 15_000;
    while (outcome(await app.graphql(ME, {}, { token: user.accessToken })) !== 'OK' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
  }, 30_000);
});
