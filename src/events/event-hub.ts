import { SubscriberTooSlowError } from '../errors.js';

/** Events a subscriber has not taken yet; beyond this, the subscriber is too slow and is ended. */
export const MAX_PENDING_EVENTS = 1_000;

export interface EventHub<Event> {
  /** Hands an event to every current subscriber of this process. */
  emit(event: Event): void;
  /** Events (those `accept` lets through) from now on, until the iterator is returned. */
  subscribe(accept?: (event: Event) => boolean): AsyncIterableIterator<Event>;
  readonly subscriberCount: number;
}

/**
 * The in-process side of a subscription. Which events get here is the emitter's business
 * (every instance hears of a change through the database's change feed); each subscriber
 * has its own bounded queue, so a slow socket never holds up the others.
 */
export function createEventHub<Event>(): EventHub<Event> {
  const subscribers = new Set<(event: Event) => void>();

  return {
    emit(event) {
      for (const deliver of subscribers) deliver(event);
    },

    subscribe(accept = () => true) {
      const pending: Event[] = [];
      let waiting: ((result: IteratorResult<Event>) => void) | undefined;
      let failure: Error | undefined;
      let done = false;

      const finish = (): IteratorResult<Event> => {
        done = true;
        subscribers.delete(deliver);
        pending.length = 0;
        const resolve = waiting;
        waiting = undefined;
        resolve?.({ value: undefined, done: true });
        return { value: undefined, done: true };
      };
      const deliver = (event: Event) => {
        if (!accept(event)) return;
        if (waiting !== undefined) {
          const resolve = waiting;
          waiting = undefined;
          resolve({ value: event, done: false });
        } else if (pending.length < MAX_PENDING_EVENTS) {
          pending.push(event);
        } else {
          failure = new SubscriberTooSlowError(
            `More than ${MAX_PENDING_EVENTS} events were waiting for this subscription; subscribe again.`,
          );
          subscribers.delete(deliver);
        }
      };
      subscribers.add(deliver);

      // A filter inside the stream, not an async generator around it: a generator parked
      // in `for await` cannot be returned until the next event, so an idle subscription
      // would outlive its socket.
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
