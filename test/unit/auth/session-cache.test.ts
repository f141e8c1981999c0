import { describe, expect, it } from '@jest/globals';
import { createSessionCache } from '../../../src/auth/session-cache.js';
import type { SessionState } from '../../../src/auth/session-store.js';

const state = (userId: string, role: SessionState['role'] = 'USER'): SessionState => ({
  userId,
  role,
  revoked: false,
  expiresAt: new Date(Date.UTC(2100, 0, 1)),
  user: { id: userId, email: `${userId}@example.com`, name: null, role, createdAt: new Date(0), disabled: false },
  assurance: { aal: 1, amr: ['pwd'], authTime: new Date(0), mfaPending: false },
});

function setup(ttlMs = 500, maxEntries = 100) {
  let clock = 0;
  const loads: string[] = [];
  const db = new Map<string, SessionState | null>();
  const cache = createSessionCache({
    load: async (id) => {
      loads.push(id);
      return db.get(id) ?? null;
    },
    ttlMs,
    maxEntries,
    now: () => clock,
  });
  return { cache, db, loads, advance: (ms: number) => (clock += ms) };
}

describe('the session cache', () => {
  it('answers repeated lookups within the TTL without reading the database', async () => {
    const { cache, db, loads, advance } = setup();
    db.set('s1', state('u1'));
    for (let i = 0; i < 10; i++) {
      expect(await cache.get('s1')).toEqual(state('u1'));
      advance(40);
    }
    expect(loads).toEqual(['s1']);
  });

  it('reads again once an entry is older than the TTL: a change made elsewhere shows within it', async () => {
    const { cache, db, loads, advance } = setup(500);
    db.set('s1', state('u1'));
    await cache.get('s1');
    db.set('s1', { ...state('u1'), revoked: true });
    advance(499);
    expect((await cache.get('s1'))!.revoked).toBe(false);
    advance(1);
    expect((await cache.get('s1'))!.revoked).toBe(true);
    expect(loads).toEqual(['s1', 's1']);
  });

  it('drops invalidated sessions at once', async () => {
    const { cache, db, loads } = setup();
    db.set('s1', state('u1'));
    await cache.get('s1');
    cache.invalidateSessions(['s1']);
    await cache.get('s1');
    expect(loads).toEqual(['s1', 's1']);
  });

  it('drops every session of a user whose role changed', async () => {
    const { cache, db, loads } = setup();
    db.set('a', state('u1'));
    db.set('b', state('u1'));
    db.set('c', state('u2'));
    await Promise.all(['a', 'b', 'c'].map((id) => cache.get(id)));
    db.set('a', state('u1', 'ADMIN'));
    cache.invalidateUser('u1');
    expect((await cache.get('a'))!.role).toBe('ADMIN');
    await cache.get('b');
    await cache.get('c');
    expect(loads.sort()).toEqual(['a', 'a', 'b', 'b', 'c']);
  });

  it('does not keep a read that was in flight when an invalidation came', async () => {
    let release!: (value: SessionState) => void;
    const cache = createSessionCache({
      load: () => new Promise((resolve) => (release = resolve)),
      ttlMs: 500,
      maxEntries: 10,
    });
    const pending = cache.get('s1');
    cache.invalidateSessions(['s1']);
    release(state('u1'));
    await pending;
    expect(cache.size).toBe(0);
  });

  it('caches unknown sessions too, and holds at most maxEntries', async () => {
    const { cache, loads } = setup(500, 3);
    for (const id of ['a', 'b', 'c', 'd']) expect(await cache.get(id)).toBeNull();
    expect(cache.size).toBe(3);
    await cache.get('d');
    await cache.get('a');
    expect(loads).toEqual(['a', 'b', 'c', 'd', 'a']);
  });
});
