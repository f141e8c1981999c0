import { describe, expect, it } from '@jest/globals';
import { createPostEvents, SubscriberTooSlowError } from '../../../src/posts/post-events.js';
import type { PostRecord } from '../../../src/posts/post-record.js';

const post = (id: string) => ({ id, published: true }) as PostRecord;

describe('createPostEvents', () => {
  it('hands each published post to every subscriber that accepts it, in order', async () => {
    const events = createPostEvents();
    const all = events.subscribe();
    const odd = events.subscribe((p) => Number(p.id) % 2 === 1);
    for (const id of ['1', '2', '3']) events.published(post(id));
    expect([(await all.next()).value.id, (await all.next()).value.id, (await all.next()).value.id]).toEqual(['1', '2', '3']);
    expect([(await odd.next()).value.id, (await odd.next()).value.id]).toEqual(['1', '3']);
  });

  it('lets an idle subscription end at once, and forgets it', async () => {
    const events = createPostEvents();
    const stream = events.subscribe();
    const waiting = stream.next();
    expect(events.subscriberCount).toBe(1);
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(events.subscriberCount).toBe(0);
  });

  it('ends a subscriber 1,000 events behind with SUBSCRIBER_TOO_SLOW, after what it had queued', async () => {
    const events = createPostEvents();
    const stream = events.subscribe();
    for (let i = 0; i < 1_001; i++) events.published(post(String(i)));
    expect(events.subscriberCount).toBe(0);
    for (let i = 0; i < 1_000; i++) expect((await stream.next()).value.id).toBe(String(i));
    const error = await stream.next().then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SubscriberTooSlowError);
  });
});
