import type { Viewer } from '../auth/viewer.js';
import { AuthenticationError } from '../errors.js';
import type { GraphQLContext } from './context.js';

/** The caller of a field the shield has already restricted to signed-in users; keeps the type honest. */
export function viewerOf(ctx: GraphQLContext): Viewer {
  if (ctx.viewer === null) throw new AuthenticationError('TOKEN_MISSING');
  return ctx.viewer;
}
