import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const unitDir = dirname(fileURLToPath(import.meta.url));
const srcDir = join(unitDir, '..', '..', 'src');

// Tests of the tree as a whole, not of one place in it.
const TREE_TESTS = new Set(['architecture.test.ts', 'test-layout.test.ts']);

function unitTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return unitTests(path);
    return entry.name.endsWith('.test.ts') ? [relative(unitDir, path)] : [];
  });
}

/**
 * The rule: test/unit/<folder>/<name>.test.ts tests src/<folder>/, which must exist, and
 * <name> is a file or folder there (`<name>.ts`, `<name>/`), or starts with one's name and
 * a dash for a second test of it (`access-token-fuzz` → `access-token.ts`). A test of
 * several files of a folder is named after the folder one level up (`auth.test.ts` → `src/auth/`).
 * When code moves, its tests fail here until they move with it.
 */
function sourceOf(test: string): string | undefined {
  const folder = join(srcDir, dirname(test));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
  const name = basename(test, '.test.ts');
  const candidates = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || entry.name.endsWith('.ts'))
    .map((entry) => (entry.isDirectory() ? entry.name : basename(entry.name, '.ts')));
  const match = candidates
    .filter((candidate) => name === candidate || name.startsWith(`${candidate}-`))
    .sort((a, b) => b.length - a.length)[0];
  return match === undefined ? undefined : relative(srcDir, join(folder, match));
}

describe('unit test layout', () => {
  const tests = unitTests(unitDir).filter((test) => !TREE_TESTS.has(test));

  it('finds the unit tests', () => {
    expect(tests.length).toBeGreaterThan(0);
  });

  it.each(tests)('%s sits where its source lives under src/', (test) => {
    expect({ test, source: sourceOf(test) }).toEqual({ test, source: expect.any(String) });
  });

  it('rejects a test whose source is not where its path says', () => {
    expect(sourceOf(join('tokens', 'config.test.ts'))).toBeUndefined();
    expect(sourceOf(join('nowhere', 'access-token.test.ts'))).toBeUndefined();
    expect(sourceOf(join('tokens', 'tokenish.test.ts'))).toBeUndefined();
    expect(sourceOf('config.test.ts')).toBe('config');
    expect(sourceOf(join('tokens', 'access-token-fuzz.test.ts'))).toBe(join('tokens', 'access-token'));
    expect(sourceOf('tokens.test.ts')).toBe('tokens');
  });
});
