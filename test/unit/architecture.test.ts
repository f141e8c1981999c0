import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// The rules of STYLE.md that a compiler does not check: imports flow one way, no cycles,
// each third-party library has one home, no default exports.
const SRC = fileURLToPath(new URL('../../src', import.meta.url));

// Lower layers never import higher ones.
const LAYERS: Record<string, number> = {
  'config.ts': 0,
  'errors.ts': 0,
  'ids.ts': 0,
  db: 1,
  tokens: 1,
  pagination: 1,
  ide: 1,
  users: 2,
  auth: 3,
  posts: 3,
  graphql: 4,
  'app.ts': 5,
  'create-services.ts': 5,
  http: 5,
  'main.ts': 6,
  'cluster.ts': 6,
  cli: 6,
};

// Library → the only folder or file allowed to import it.
const LIBRARY_HOMES: Record<string, string> = {
  jsonwebtoken: 'tokens/',
  '@electric-sql/pglite': 'db/',
  pg: 'db/',
  'drizzle-orm/pglite': 'db/',
  'drizzle-orm/node-postgres': 'db/',
  '@node-rs/argon2': 'auth/password.ts',
  'rate-limiter-flexible': 'auth/login-throttle.ts',
  zod: 'config.ts',
  'graphql-shield': 'graphql/',
  'graphql-middleware': 'graphql/',
  '@escape.tech/graphql-armor-max-depth': 'graphql/query-limits.ts',
  '@escape.tech/graphql-armor-max-aliases': 'graphql/query-limits.ts',
  '@escape.tech/graphql-armor-max-directives': 'graphql/query-limits.ts',
  'graphql-query-complexity': 'graphql/query-limits.ts',
  fastify: 'http/',
  '@as-integrations/fastify': 'http/',
  '@fastify/proxy-addr': 'http/trusted-proxies.ts',
};

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

const layerOf = (path: string) => LAYERS[path.split('/')[0]!];
const resolveLocal = (from: string, specifier: string) =>
  relative(SRC, resolve(SRC, dirname(from), specifier)).replace(/\.js$/, '.ts');

describe('the architecture of src/', () => {
  it('puts every module in a known layer', () => {
    expect(files.filter((file) => layerOf(file.path) === undefined).map((f) => f.path)).toEqual([]);
  });

  it('imports only from the same or lower layers', () => {
    const violations = files.flatMap((file) =>
      file.specifiers
        .filter((s) => s.startsWith('.'))
        .map((s) => resolveLocal(file.path, s))
        .filter((target) => layerOf(target)! > layerOf(file.path)!)
        .map((target) => `${file.path} → ${target}`),
    );
    expect(violations).toEqual([]);
  });

  it('keeps the domain (users, auth) free of GraphQL and Apollo', () => {
    const violations = files
      .filter((file) => /^(users|auth|posts|tokens|db)\//.test(file.path))
      .flatMap((file) =>
        file.specifiers
          .filter((s) => /^(graphql|@apollo\/|graphql-)/.test(s) || s.includes('/graphql/'))
          .map((s) => `${file.path} → ${s}`),
      );
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(
      files.map((file) => [
        file.path,
        file.specifiers.filter((s) => s.startsWith('.')).map((s) => resolveLocal(file.path, s)),
      ]),
    );
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

  it('gives each wrapped library a single home', () => {
    const violations = files.flatMap((file) =>
      file.specifiers
        .filter((s) => LIBRARY_HOMES[s] !== undefined && !file.path.startsWith(LIBRARY_HOMES[s]!))
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
