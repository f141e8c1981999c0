import { SubscriberTooSlowError } from '../errors.js';
import type { PostRecord } from './post-record.js';

/** Events a subscriber has not taken yet; beyond this, the subscriber is too slow and is ended. */
const MAX_PENDING_EVENTS = 1_000;

export { SubscriberTooSlowError };

export interface PostEvents {
  /** Hands a published post to every current subscriber of this process. */
  published(post: PostRecord): void;
  /** Published posts (those `accept` lets through) from now on, until the iterator is returned. */
  subscribe(accept?: (post: PostRecord) => boolean): AsyncIterableIterator<PostRecord>;
  readonly subscriberCount: number;
}

/**
 * The in-process side of `postPublished`. Which posts get here is app.ts's business (every
 * instance hears of a publication through the database's change feed); each subscriber
 * has its own queue, so a slow socket never holds up the others.
 */
export function createPostEvents(): PostEvents {
  const subscribers = new Set<(post: PostRecord) => void>();

  return {
    published(post) {
      for (const deliver of subscribers) deliver(post);
    },

    subscribe(accept = () => true) {
      const pending: PostRecord[] = [];
      let waiting: ((result: IteratorResult<PostRecord>) => void) | undefined;
      let failure: Error | undefined;
      let done = false;

      const finish = (): IteratorResult<PostRecord> => {
        done = true;
        subscribers.delete(deliver);
        pending.length = 0;
        const resolve = waiting;
        waiting = undefined;
        resolve?.({ value: undefined, done: true });
        return { value: undefined, done: true };
      };
      const deliver = (post: PostRecord) => {
        if (!accept(post)) return;
        if (waiting !== undefined) {
          const resolve = waiting;
          waiting = undefined;
          resolve({ value: post, done: false });
        } else if (pending.length < MAX_PENDING_EVENTS) {
          pending.push(post);
        } else {
          failure = new SubscriberTooSlowError();
          subscribers.delete(deliver);
        }
      };
      subscribers.add(deliver);

      return {
        next() {
          if (pending.length > 0) return Promise.resolve({ value: pending.shift()!, done: false });
          if (failure !== undefined) {
            const error = failure;
            finish();
            return Promise.reject(error);
          }
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => (waiting = resolve));
        },
        return: () => Promise.resolve(finish()),
        throw: (error: unknown) => {
          finish();
          return Promise.reject(error);
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },

    get subscriberCount() {
      return subscribers.size;
    },
  };
}
