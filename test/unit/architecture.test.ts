import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// The import rules of docs/architecture.md, checked. Areas are derived from src/: each
// top-level folder or file is an area, and each folder under src/modules/ is a module
// (a new one is checked without editing this test).
const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const MODULE = 'modules/*';

// What each area may import (besides itself). Everything not listed is refused.
const BASE = ['config.ts', 'errors.ts', 'ids.ts'];
const ARROWS: Record<string, readonly string[]> = {
  'config.ts': [],
  'errors.ts': [],
  'ids.ts': [],
  db: BASE,
  tokens: BASE,
  pagination: BASE,
  events: BASE,
  ide: BASE,
  metrics: BASE,
  users: [...BASE, 'db', 'pagination'],
  auth: [...BASE, 'db', 'tokens', 'users'],
  // The engine: context, rules, the module contract, limits, errors, the socket server. It
  // classifies database faults (db) and reads the token clock tolerance (tokens).
  graphql: [...BASE, 'db', 'tokens', 'pagination', 'events', 'users', 'auth'],
  [MODULE]: [...BASE, 'db', 'pagination', 'events', 'users', 'auth', 'graphql'],
  'modules/registry.ts': ['graphql', MODULE],
  http: [...BASE, 'db', 'ide', 'auth', 'graphql'],
  'kernel.ts': [...BASE, 'db', 'tokens', 'pagination', 'users', 'auth', 'graphql'],
  'app.ts': [...BASE, 'db', 'tokens', 'auth', 'users', 'graphql', 'http', 'ide', 'metrics', 'kernel.ts', 'modules/registry.ts'],
  'main.ts': [...BASE, 'app.ts', 'cli'],
  'cluster.ts': [...BASE, 'cli'],
  cli: [...BASE, 'db', 'tokens', 'users', 'auth', 'graphql', 'modules/registry.ts', 'app.ts'],
};

// Library → where it may be imported. Tables are declared in db/schema.ts (the core's)
// and a module's <name>-table.ts; SQL is written in db/ and in repositories and stores
// (drizzle's query builder); drivers only in db/.
const REPOSITORY = /(^db\/|-repository\.ts$|-store\.ts$|-table\.ts$|^auth\/login-throttle\.ts$)/;
const LIBRARY_HOMES: Record<string, RegExp> = {
  jsonwebtoken: /^tokens\//,
  '@electric-sql/pglite': /^db\//,
  pg: /^db\//,
  'drizzle-orm/pglite': /^db\//,
  'drizzle-orm/node-postgres': /^db\//,
  'drizzle-orm': REPOSITORY,
  'drizzle-orm/pg-core': /(^db\/|^modules\/[^/]+\/[^/]+-table\.ts$)/,
  '@node-rs/argon2': /^auth\/password\.ts$/,
  'rate-limiter-flexible': /^(auth\/login-throttle\.ts|modules\/email\/mail-limit-store\.ts|modules\/mfa\/mfa-throttle\.ts)$/,
  nodemailer: /^modules\/email\/smtp-transport\.ts$/,
  zod: /^config\.ts$/,
  'graphql-middleware': /^graphql\//,
  '@escape.tech/graphql-armor-max-depth': /^graphql\/query-limits\.ts$/,
  '@escape.tech/graphql-armor-max-aliases': /^graphql\/query-limits\.ts$/,
  '@escape.tech/graphql-armor-max-directives': /^graphql\/query-limits\.ts$/,
  'graphql-query-complexity': /^graphql\/query-limits\.ts$/,
  fastify: /^(app\.ts|http\/)/,
  '@as-integrations/fastify': /^(app\.ts|http\/)/,
  '@fastify/proxy-addr': /^http\/trusted-proxies\.ts$/,
  'prom-client': /^metrics\//,
  otpauth: /^modules\/mfa\/totp\.ts$/,
  qrcode: /^modules\/mfa\/qr-code\.ts$/,
};

// Inside a module, only its declaration, resolvers and scalars speak GraphQL; services,
// repositories and records stay transport-free.
const GRAPHQL_FACING = /^modules\/[^/]+\/[^/]+-(module|resolvers|scalar)\.ts$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__generated__' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => {
  const text = readFileSync(path, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
  return { path: relative(SRC, path), text, specifiers };
});

/** The area of a path under src/: `modules/*` for any module folder. */
function areaOf(path: string): string {
  const [top, second] = path.split('/');
  if (top === 'modules') return second!.endsWith('.ts') ? path : MODULE;
  return top!;
}
const moduleOf = (path: string) => (path.startsWith('modules/') ? path.split('/')[1] : undefined);
const resolveLocal = (from: string, specifier: string) =>
  relative(SRC, resolve(SRC, dirname(from), specifier)).replace(/\.js$/, '.ts');
const localImports = (file: (typeof files)[number]) =>
  file.specifiers.filter((s) => s.startsWith('.')).map((s) => resolveLocal(file.path, s));

describe('the architecture of src/', () => {
  it('knows every area (a new top-level folder needs its arrows in this test and docs/architecture.md)', () => {
    expect([...new Set(files.map((file) => areaOf(file.path)))].filter((area) => ARROWS[area] === undefined)).toEqual([]);
  });

  it('imports only along the allowed arrows', () => {
    const violations = files.flatMap((file) =>
      localImports(file)
        .filter((target) => {
          const from = areaOf(file.path);
          const to = areaOf(target);
          // A module builds on another's services, records, tables and topics, never on its GraphQL face.
          if (from === MODULE && to === MODULE) return moduleOf(file.path) !== moduleOf(target) && /-(module|resolvers)\.ts$/.test(target);
          return from !== to && !ARROWS[from]!.includes(to);
        })
        .map((target) => `${file.path} → ${target}`),
    );
    expect(violations).toEqual([]);
  });

  it('keeps the domain free of GraphQL and Apollo (inside a module: all but its module and resolvers files)', () => {
    const domain = (path: string) => /^(users|auth|tokens|db|events|pagination)\//.test(path) || (path.startsWith('modules/') && path.split('/').length > 2 && !GRAPHQL_FACING.test(path));
    const violations = files
      .filter((file) => domain(file.path))
      .flatMap((file) =>
        [...file.specifiers.filter((s) => /^(graphql|@apollo\/|graphql-)/.test(s)), ...localImports(file).filter((target) => target.startsWith('graphql/'))].map(
          (s) => `${file.path} → ${s}`,
        ),
      );
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((file) => [file.path, localImports(file)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('gives each wrapped library its homes', () => {
    const violations = files.flatMap((file) =>
      file.specifiers
        .filter((s) => LIBRARY_HOMES[s] !== undefined && !LIBRARY_HOMES[s]!.test(file.path))
        .map((s) => `${file.path} imports ${s}`),
    );
    expect(violations).toEqual([]);
  });

  it('uses named exports only', () => {
    expect(files.filter((file) => /^export default /m.test(file.text)).map((f) => f.path)).toEqual([]);
  });

  it('reads process.env only in the entry points (main.ts, cluster.ts, cli/)', () => {
    const entryPoints = ['main.ts', 'cluster.ts'];
    expect(files.filter((f) => f.text.includes('process.env') && !entryPoints.includes(f.path) && !f.path.startsWith('cli/')).map((f) => f.path)).toEqual([]);
  });
});
