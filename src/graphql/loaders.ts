import DataLoader from 'dataloader';
import type { GraphQLContext } from './context.js';

export interface LoaderOptions<Key> {
  /** The key's identity when it is not a primitive (an object key: the fields that make it). */
  cacheKey?: (key: Key) => string;
}

// Keys per batch query: a page of 100 items, or a bounded list of their parents, in one
// query; more becomes several (each well under PostgreSQL's 65,535 parameters).
const MAX_BATCH_SIZE = 500;

/**
 * A module's per-request loader: declare it once in `setup` over the module's repository,
 * then `loader(ctx).load(key)` in resolvers batches every load of one request (a page of
 * 100 items costs one query) and caches it for that request. A subscription's context lives
 * as long as its socket, so there it batches within one event and caches nothing. A batch
 * is not started once the request's time budget (ctx.deadline) is spent.
 */
export function defineLoader<Key, Value>(
  batch: (keys: readonly Key[]) => Promise<ReadonlyArray<Value | Error>>,
  options: LoaderOptions<Key> = {},
): (ctx: GraphQLContext) => DataLoader<Key, Value, string | Key> {
  const loaders = new WeakMap<GraphQLContext, DataLoader<Key, Value, string | Key>>();
  return (ctx) => {
    let loader = loaders.get(ctx);
    if (loader === undefined) {
      const { deadline } = ctx;
      const checked = async (keys: readonly Key[]) => {
        deadline.check();
        return batch(keys);
      };
      loader = new DataLoader<Key, Value, string | Key>(checked, {
        cache: !ctx.longLived,
        maxBatchSize: MAX_BATCH_SIZE,
        ...(options.cacheKey && { cacheKeyFn: options.cacheKey }),
      });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}
