export interface ReadCacheOptions {
  /** The longest an entry is trusted, whatever happens elsewhere (other instances included). */
  ttlMs: number;
  /** Beyond this many entries the oldest are dropped. */
  maxEntries: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * A short-lived cache of database reads that the hot path repeats: the same feed page or
 * author for every request. Entries live `ttlMs` at most; `invalidate` and `clear` drop
 * them at once when this process (or, through the change feed, another) changes the data.
 * A read that began before an invalidation is not cached, so it cannot resurrect old data.
 */
export function createReadCache<V>(options: ReadCacheOptions) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: V; expiresAt: number }>();
  let epoch = 0;

  const remember = (key: string, value: V) => {
    entries.delete(key);
    entries.set(key, { value, expiresAt: now() + options.ttlMs });
    if (entries.size > options.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  };

  return {
    async get(key: string, load: () => Promise<V>): Promise<V> {
      const entry = entries.get(key);
      if (entry !== undefined && entry.expiresAt > now()) return entry.value;
      const startedAt = epoch;
      const value = await load();
      if (epoch === startedAt) remember(key, value);
      return value;
    },

    /**
     * Many keys in one read of the missing ones (`loadMany` answers in the order asked,
     * undefined for keys it does not find, which are not cached).
     */
    async getMany(keys: readonly string[], loadMany: (missing: string[]) => Promise<Array<V | undefined>>): Promise<Array<V | undefined>> {
      const time = now();
      const found = keys.map((key) => {
        const entry = entries.get(key);
        return entry !== undefined && entry.expiresAt > time ? entry.value : undefined;
      });
      const missing = keys.filter((_key, index) => found[index] === undefined);
      if (missing.length === 0) return found;
      const startedAt = epoch;
      const loaded = await loadMany(missing);
      const byKey = new Map(missing.map((key, index) => [key, loaded[index]]));
      if (epoch === startedAt) {
        for (const [key, value] of byKey) if (value !== undefined) remember(key, value);
      }
      return keys.map((key, index) => found[index] ?? byKey.get(key));
    },

    invalidate(key: string): void {
      epoch++;
      entries.delete(key);
    },

    /** Drops every entry whose value matches. */
    invalidateWhere(matches: (value: V) => boolean): void {
      epoch++;
      for (const [key, entry] of entries) if (matches(entry.value)) entries.delete(key);
    },

    clear(): void {
      epoch++;
      entries.clear();
    },

    get size(): number {
      return entries.size;
    },
  };
}

export type ReadCache<V> = ReturnType<typeof createReadCache<V>>;
