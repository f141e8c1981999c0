import { defineChangeTopic } from '../db/change-feed.js';

/**
 * A live session's assurance changed (verifyMfa, reauthenticate: its `aal`, `auth_time`,
 * owed factor): every instance drops it from its session cache, so a step-up operation
 * sent to another instance right after is judged on the new values, not the cached ones.
 */
export const sessionChanged = defineChangeTopic<{ sessionId: string }>({
  name: 'session-changed',
  parse: (message) => (typeof message.sessionId === 'string' ? { sessionId: message.sessionId } : undefined),
});
