import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { createPost } from '../helpers/operations.js';
import { signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';

// @gatehouse/client as a user gets it: packed, installed from the tarball into a fresh
// TypeScript + Vite frontend (test/fixtures/frontend/, with its own @apollo/client),
// type-checked, built, served from another origin and driven in Chromium against a server
// with CORS_ORIGINS set. It tests the packaging, not the database: it runs in the suite's
// embedded-database passes and is skipped on the PostgreSQL one (DATABASE_URL set).
const CHROMIUM = '/usr/bin/chromium';
const skipReason = !existsSync(CHROMIUM)
  ? `no ${CHROMIUM} (apt-get install -y chromium)`
  : process.env.DATABASE_URL !== undefined
    ? 'it does not touch the database, and runs in the passes without DATABASE_URL'
    : undefined;
const describeFixture = skipReason === undefined ? describe : describe.skip;
if (skipReason !== undefined) console.warn(`Skipped "the kit in a Vite frontend": ${skipReason}.`);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/frontend/', import.meta.url));
const SCREENSHOT_DIR = new URL('../../test-output/', import.meta.url);
const run = promisify(execFile);

/** The environment of a user's shell: none of the npm variables of the `npm test` running this. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD'),
  );
}

async function sh(cwd: string, file: string, args: string[]): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  const { stdout } = await run(file, args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
  return { stdout, seconds: (performance.now() - started) / 1000 };
}

/** Serves `dir` as a static site on 127.0.0.1, port 0. */
async function serveStatic(dir: string): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
  const server = createServer(async (request, response) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (!file.startsWith(dir)) return void response.writeHead(403).end();
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The packages whose files a source map lists, by their folder (`node_modules/@apollo/client`, …). */
function bundledPackages(sources: string[]): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  for (const source of sources) {
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(source);
    if (match === null) continue;
    const [, folder, name] = match as unknown as [string, string, string];
    const folders = packages.get(name) ?? [];
    if (!folders.includes(folder)) folders.push(folder);
    packages.set(name, folders);
  }
  return packages;
}

describeFixture('the kit in a Vite frontend', () => {
  let scratch: string;
  let appDir: string;
  let tarballFiles: string[];
  const steps: Record<string, number> = {};
  let browser: Browser | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'gatehouse-frontend-'));
    appDir = join(scratch, 'app');
    // `prepack` builds the kit's dist/ first.
    const pack = await sh(ROOT, 'npm', ['pack', '--workspace', '@gatehouse/client', '--pack-destination', scratch, '--silent']);
    steps.pack = pack.seconds;
    const tarball = (await readdir(scratch)).find((name) => name.endsWith('.tgz'))!;
    tarballFiles = (await sh(scratch, 'tar', ['-tzf', tarball])).stdout.trim().split('\n');
    // The fixture's package.json depends on file:../gatehouse-client.tgz.
    await rename(join(scratch, tarball), join(scratch, 'gatehouse-client.tgz'));
    await cp(FIXTURE, appDir, { recursive: true, filter: (source) => !/[/\\](node_modules|dist)$/.test(source) });
    // The user's npm cache (the one the repository's own install filled); no lockfile to keep.
    steps.install = (await sh(appDir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'])).seconds;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    console.info(`the kit in a Vite frontend, seconds per step: ${JSON.stringify(steps)}`);
  });

  it('packs built JavaScript and declarations, and no sources or server code', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining(['package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/links.js']),
    );
    expect(tarballFiles.filter((file) => !/^package\/(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(file))).toEqual([]);
  });

  it('installs beside the app’s own @apollo/client: one copy, and none of the server’s packages', async () => {
    const { stdout } = await sh(appDir, 'npm', ['ls', '--all', '--parseable', '@apollo/client', 'graphql', 'rxjs', 'graphql-ws']);
    const found = [...new Set(stdout.trim().split('\n'))].filter((line) => line.includes(`${sep}node_modules${sep}`));
    expect(found.map((path) => path.slice(appDir.length + 1)).sort()).toEqual(
      ['node_modules/@apollo/client', 'node_modules/graphql', 'node_modules/graphql-ws', 'node_modules/rxjs'].map((path) => path.split('/').join(sep)),
    );
    for (const server of ['@apollo/server', 'fastify', 'graphql-shield', '@electric-sql/pglite', 'jsonwebtoken']) {
      expect({ server, installed: existsSync(join(appDir, 'node_modules', server)) }).toEqual({ server, installed: false });
    }
  });

  it('type-checks against the app’s @apollo/client (tsc --noEmit) and builds with vite build', async () => {
    steps.typecheck = (await sh(appDir, 'npm', ['run', 'typecheck', '--silent'])).seconds;
    steps.build = (await sh(appDir, 'npm', ['run', 'build', '--silent'])).seconds;

    const assets = join(appDir, 'dist', 'assets');
    const scripts = (await readdir(assets)).filter((name) => name.endsWith('.js'));
    const sources: string[] = [];
    let bytes = 0;
    let gzipped = 0;
    for (const script of scripts) {
      const code = await readFile(join(assets, script));
      bytes += code.length;
      gzipped += gzipSync(code).length;
      sources.push(...(JSON.parse(await readFile(join(assets, `${script}.map`), 'utf8')) as { sources: string[] }).sources);
    }
    const packages = bundledPackages(sources);
    // One copy of each: the kit brought none of its own.
    expect(packages.get('@apollo/client')).toEqual(['../../node_modules/@apollo/client']);
    expect(packages.get('graphql')).toHaveLength(1);
    expect(packages.get('rxjs')).toHaveLength(1);
    expect(packages.get('@gatehouse/client')).toEqual(['../../node_modules/@gatehouse/client']);
    console.info(
      `frontend fixture bundle: ${scripts.length} script(s), ${(bytes / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped; ` +
        `@apollo/client copies: ${packages.get('@apollo/client')?.length}; packages: ${[...packages.keys()].sort().join(', ')}`,
    );
  }, 180_000);

  it('signs up, runs `me`, refreshes an expired access token once, and receives a subscription event', async () => {
    const site = await serveStatic(join(appDir, 'dist'));
    // Access tokens live 1 s (+ 5 s tolerance), so one runs out during the test.
    const app: TestApp = await startTestApp({ CORS_ORIGINS: site.origin, ACCESS_TOKEN_TTL_SECONDS: '1' });
    const started = performance.now();
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      });
      const context = await browser.newContext();
      const page = await context.newPage();
      // The page may reach its own origin and the API only.
      const external: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(site.origin) || url.startsWith(app.url)) return route.continue();
        external.push(url);
        return route.abort();
      });
      const problems: string[] = [];
      // Chromium logs every 4xx answer, among them the expected 401 of the expired token.
      page.on('console', (message) => message.type() === 'error' && !/status of 401/.test(message.text()) && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(error.message));
      const calls: Array<{ operation: string; status: number }> = [];
      page.on('response', (response) => {
        if (!response.url().startsWith(`${app.url}/graphql`) || response.request().method() !== 'POST') return;
        const body = (response.request().postDataJSON() ?? {}) as { operationName?: string };
        calls.push({ operation: body.operationName ?? '?', status: response.status() });
      });
      // Strings, run in the page: this file is compiled without the DOM's types.
      const inPage = <T>(expression: string) => page.evaluate(expression) as Promise<T>;
      const call = (method: string, ...args: unknown[]) => inPage(`window.app.${method}(...${JSON.stringify(args)})`);

      await page.goto(`${site.origin}/?api=${encodeURIComponent(`${app.url}/graphql`)}`);
      await page.waitForFunction(`document.querySelector('#log')?.textContent?.includes('ready')`);

      const email = `frontend-${Date.now()}@example.com`;
      expect(await call('signUp', email, 'correct horse battery', 'Fixture')).toEqual(expect.any(String));
      expect(await call('me')).toBe(email);
      expect(calls).toEqual([
        { operation: 'SignUp', status: 200 },
        { operation: 'Me', status: 200 },
      ]);

      // The access token runs out; the next `me` is refused once, refreshed once, retried.
      await page.waitForTimeout(7_000);
      const before = calls.length;
      expect(await call('me')).toBe(email);
      expect(calls.slice(before)).toEqual([
        { operation: 'Me', status: 401 },
        { operation: 'RefreshToken', status: 200 },
        { operation: 'Me', status: 200 },
      ]);

      // Another user publishes; the page's subscription (graphql-ws, token in connection_init) sees it.
      await call('subscribeToPosts');
      const author = await signUpUser(app);
      const title = `published ${Date.now()}`;
      // Nothing acknowledges a subscribe: publish until the first post arrives.
      for (let i = 0; i < 50 && (await inPage<string[]>('window.app.published')).length === 0; i++) {
        await createPost(app, author.accessToken, { title: i === 0 ? title : `${title} (${i})`, publish: true });
        await page.waitForTimeout(100);
      }
      expect((await inPage<string[]>('window.app.published'))[0]).toMatch(new RegExp(`^${title}`));
      expect(await inPage<string[]>('window.app.subscriptionErrors')).toEqual([]);
      expect(await inPage<string[]>('window.app.sessionEnds')).toEqual([]);
      expect(external).toEqual([]);
      expect(problems).toEqual([]);

      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: new URL('frontend-fixture.png', SCREENSHOT_DIR).pathname, fullPage: true });
      steps.browser = (performance.now() - started) / 1000;
    } finally {
      await app.stop();
      await new Promise((resolve) => site.server.close(resolve));
    }
  }, 60_000);
});
