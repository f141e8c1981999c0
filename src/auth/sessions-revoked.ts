import { defineChangeTopic } from '../db/change-feed.js';

// NOTIFY payloads are limited to 8000 bytes; 100 UUIDs take ~3.8 KB.
const IDS_PER_NOTIFICATION = 100;

/** Sessions ended (logout, revocation, password change, deletion, reuse): their tokens stop working. */
export const sessionsRevoked = defineChangeTopic<{ sessionIds: string[] }>({
  name: 'sessions-revoked',
  parse: (message) =>
    Array.isArray(message.sessionIds) && message.sessionIds.every((id) => typeof id === 'string')
      ? { sessionIds: message.sessionIds as string[] }
      : undefined,
  split: ({ sessionIds }) => {
    const parts: Array<{ sessionIds: string[] }> = [];
    for (let i = 0; i < sessionIds.length; i += IDS_PER_NOTIFICATION) {
      parts.push({ sessionIds: sessionIds.slice(i, i + IDS_PER_NOTIFICATION) });
    }
    return parts;
  },
});
