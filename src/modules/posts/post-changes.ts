import { defineChangeTopic } from '../../db/change-feed.js';

const postId = (message: Readonly<Record<string, unknown>>) =>
  typeof message.postId === 'string' ? { postId: message.postId } : undefined;

/** A post was just published: each instance loads it once and hands it to its `postPublished` subscribers. */
export const postPublished = defineChangeTopic<{ postId: string }>({ name: 'post-published', parse: postId });

/** A post was edited or deleted: every instance's cached feed is stale. */
export const postChanged = defineChangeTopic<{ postId: string }>({ name: 'post-changed', parse: postId });
