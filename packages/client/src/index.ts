// @gatehouse/client: the Apollo Client kit for Gatehouse. See docs/client.md.
export { createGatehouseLink, SocketClosedError, type GatehouseLink, type GatehouseLinkOptions } from './links.js';
export { gatehouseErrorReason, type GatehouseReason } from './errors.js';
export type { StepUpChallenge, StepUpHandler, StepUpReason } from './step-up.js';
export {
  memoryTokenStorage,
  webTokenStorage,
  type GatehouseTokens,
  type Session,
  type SessionEndReason,
  type TokenStorage,
  type WebStorageLike,
} from './session.js';
// The typed documents (MeDocument, LoginDocument, …) and their result and variables types.
export * from './__generated__/graphql.js';
