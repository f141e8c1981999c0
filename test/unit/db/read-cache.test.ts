import { describe, expect, it } from '@jest/globals';
import { createReadCache } from '../../../src/db/read-cache.js';

function setup(ttlMs = 500, maxEntries = 100) {
  let clock = 0;
  const cache = createReadCache<string>({ ttlMs, maxEntries, now: () => clock });
  return { cache, tick: (ms: number) => (clock += ms) };
}

describe('createReadCache', () => {
  it('reads once per TTL, then again', async () => {
    const { cache, tick } = setup();
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get('k', load)).toBe('v1');
    tick(499);
    expect(await cache.get('k', load)).toBe('v1');
    tick(1);
    expect(await cache.get('k', load)).toBe('v2');
  });

  it('forgets on invalidate and clear', async () => {
    const { cache } = setup();
    let loads = 0;
    const load = async () => `v${++loads}`;
    await cache.get('a', load);
    await cache.get('b', load);
    cache.invalidate('a');
    expect(await cache.get('a', load)).toBe('v3');
    expect(await cache.get('b', load)).toBe('v2');
    cache.clear();
    expect(await cache.get('b', load)).toBe('v4');
  });

  it('does not keep a read that began before an invalidation', async () => {
    const { cache } = setup();
    let release!: (value: string) => void;
    const slow = cache.get('k', () => new Promise<string>((resolve) => (release = resolve)));
    cache.clear(); // the data changed while the read was in flight
    release('old');
    expect(await slow).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('getMany reads only the missing keys, in one call, and does not cache what was not found', async () => {
    const { cache } = setup();
    const calls: string[][] = [];
    const loadMany = async (keys: string[]) => {
      calls.push(keys);
      return keys.map((key) => (key === 'gone' ? undefined : key.toUpperCase()));
    };
    expect(await cache.getMany(['a', 'b'], loadMany)).toEqual(['A', 'B']);
    expect(await cache.getMany(['b', 'c', 'gone', 'a'], loadMany)).toEqual(['B', 'C', undefined, 'A']);
    expect(await cache.getMany(['gone', 'c'], loadMany)).toEqual([undefined, 'C']);
    expect(calls).toEqual([['a', 'b'], ['c', 'gone'], ['gone']]);
  });

  it('drops the oldest entries beyond maxEntries', async () => {
    const { cache } = setup(500, 2);
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('c', async () => 'c');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'reloaded')).toBe('reloaded');
  });
});
