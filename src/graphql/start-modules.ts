import type { GraphQLSchema } from 'graphql';
import type { GatehouseModule, Kernel, ModuleInstance, ModuleRoute } from './module.js';
import { buildSchema, declareModules, mergeResolvers } from './schema.js';

export interface StartedModules {
  readonly schema: GraphQLSchema;
  /** Every module's plain HTTP routes. */
  readonly routes: readonly ModuleRoute[];
  /** Releases what the modules hold, in reverse order of start. */
  close(): Promise<void>;
}

/**
 * Starts the registry's modules on the kernel and builds the schema from them. Refuses
 * to start (naming what is wrong) a field without a rule or resolver, and a change
 * topic a module publishes that nothing listens to.
 */
export async function startModules(
  modules: readonly GatehouseModule[],
  kernel: Kernel,
  topicsHeard: () => ReadonlySet<string>,
): Promise<StartedModules> {
  const declarations = declareModules(modules);
  const instances: ModuleInstance[] = [];
  for (const module of modules) instances.push(await module.setup(kernel));
  const close = async () => {
    for (const instance of instances.reverse()) await instance.close?.();
  };
  try {
    const heard = topicsHeard();
    const unheard = modules.flatMap((module) => (module.topics ?? []).filter((topic) => !heard.has(topic.name)).map((topic) => topic.name));
    if (unheard.length > 0) throw new Error(`No module listens to the change topics ${unheard.map((name) => `"${name}"`).join(', ')}.`);
    const schema = buildSchema(declarations, mergeResolvers(instances.map((instance) => instance.resolvers)));
    return { schema, routes: instances.flatMap((instance) => instance.routes ?? []), close };
  } catch (error) {
    await close();
    throw error;
  }
}
