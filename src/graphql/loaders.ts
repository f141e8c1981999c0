import DataLoader from 'dataloader';
import type { GraphQLContext } from './context.js';

/**
 * A module's per-request loader: declare it once in `setup` over the module's repository,
 * then `loader(ctx).load(key)` in resolvers batches every load of one request (a page of
 * 100 items costs one query) and caches it for that request. A subscription's context lives
 * as long as its socket, so there it batches within one event and caches nothing.
 */
export function defineLoader<Key, Value>(
  batch: (keys: readonly Key[]) => Promise<ReadonlyArray<Value | Error>>,
): (ctx: GraphQLContext) => DataLoader<Key, Value> {
  const loaders = new WeakMap<GraphQLContext, DataLoader<Key, Value>>();
  return (ctx) => {
    let loader = loaders.get(ctx);
    if (loader === undefined) {
      loader = new DataLoader(batch, { cache: !ctx.longLived });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}
