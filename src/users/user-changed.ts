import { defineChangeTopic } from '../db/change-feed.js';

/** A user's role or account changed (or it was deleted): sessions and caches re-read it. */
export const userChanged = defineChangeTopic<{ userId: string }>({
  name: 'user-changed',
  parse: (message) => (typeof message.userId === 'string' ? { userId: message.userId } : undefined),
});
