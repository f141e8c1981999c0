import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { allow, chain } from 'graphql-shield';
import { defineChangeTopic } from '../../src/db/change-feed.js';
import { createEventHub } from '../../src/events/event-hub.js';
import type { Resolvers } from '../../src/graphql/__generated__/resolvers-types.js';
import { defineLoader } from '../../src/graphql/loaders.js';
import { defineModule } from '../../src/graphql/module.js';
import { canWrite, isAuthenticated } from '../../src/graphql/rules.js';
import { viewerOf } from '../../src/graphql/viewer-of.js';
import { modules } from '../../src/modules/registry.js';
import { loadPage } from '../../src/pagination/connection.js';
import { subscriptionClient, type SubscriptionClient } from '../helpers/subscription-client.js';
import { outcome, signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';

// A domain added the way docs/architecture.md says, without editing any other file: its
// SDL, rules, records, resolvers, a paged list, a change topic and a subscription.
interface NoteRecord {
  id: string;
  authorId: string;
  text: string;
  createdAt: Date;
}

const noteAdded = defineChangeTopic<{ noteId: string }>({
  name: 'note-added',
  parse: (message) => (typeof message.noteId === 'string' ? { noteId: message.noteId } : undefined),
});

const heard: string[] = [];
const countBatches: number[] = [];

const notesModule = defineModule({
  name: 'notes',
  typeDefs: /* GraphQL */ `
    "A short note."
    type Note {
      "Its id."
      id: ID!
      "What it says."
      text: String!
      "Who wrote it."
      author: User!
    }
    extend type Query {
      "Every note, newest first."
      notes: NoteConnection! @connection
    }
    extend type Mutation {
      "Adds a note."
      addNote(text: String!): Note!
    }
    extend type Subscription {
      "Each note as it is added."
      noteAdded: Note!
    }
    extend type User {
      "How many notes the user wrote."
      noteCount: Int!
    }
  `,
  rules: {
    Note: allow,
    Query: { notes: allow },
    Mutation: { addNote: chain(isAuthenticated, canWrite) },
    Subscription: { noteAdded: allow },
    User: { noteCount: allow },
  },
  records: { Note: ['id', 'authorId', 'text', 'createdAt'] },
  topics: [noteAdded],
  setup(kernel) {
    const notes: NoteRecord[] = [];
    const events = createEventHub<NoteRecord>();
    const cursors = kernel.services.cursors.forList('notes');
    const noteCounts = defineLoader(async (authorIds: readonly string[]) => {
      countBatches.push(authorIds.length);
      return authorIds.map((id) => notes.filter((note) => note.authorId === id).length);
    });
    kernel.on(noteAdded, ({ noteId }) => {
      heard.push(noteId);
      const note = notes.find((candidate) => candidate.id === noteId);
      if (note !== undefined) events.emit(note);
    });
    const resolvers = {
      Query: {
        notes: (_parent: unknown, args: { first?: number | null; after?: string | null }) =>
          loadPage(cursors, args, {
            rows: async (afterId, limit) => {
              const newestFirst = [...notes].reverse();
              const start = afterId === null ? 0 : newestFirst.findIndex((note) => note.id === afterId) + 1;
              return newestFirst.slice(start, start + limit);
            },
            count: async () => notes.length,
          }),
      },
      Mutation: {
        addNote: async (_parent: unknown, args: { text: string }, ctx: Parameters<typeof viewerOf>[0]) => {
          const note = { id: randomUUID(), authorId: viewerOf(ctx).userId, text: args.text, createdAt: new Date() };
          notes.push(note);
          await kernel.publish(noteAdded, { noteId: note.id });
          return note;
        },
      },
      Subscription: {
        noteAdded: { subscribe: () => events.subscribe(), resolve: (note: NoteRecord) => note },
      },
      User: {
        noteCount: (user: { id: string }, _args: unknown, ctx: Parameters<typeof viewerOf>[0]) => noteCounts(ctx).load(user.id),
      },
      Note: {
        author: (note: NoteRecord, _args: unknown, ctx: Parameters<typeof viewerOf>[0]) => ctx.loaders.userById.load(note.authorId),
      },
    };
    return { resolvers: resolvers as unknown as Resolvers };
  },
});

let app: TestApp;
const clients: SubscriptionClient[] = [];
beforeAll(async () => {
  app = await startTestApp({}, { modules: [...modules, notesModule] });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await app?.stop();
});

const ADD = 'mutation ($text: String!) { addNote(text: $text) { id text author { id } } }';

describe('a module registered by a test', () => {
  it('is served: its mutation, its paged list and its field resolvers answer', async () => {
    const writer = await signUpUser(app);
    const added = await app.graphql(ADD, { text: 'first' }, { token: writer.accessToken });
    expect(added.body).toEqual({ data: { addNote: { id: expect.any(String), text: 'first', author: { id: writer.user.id } } } });
    await app.graphql(ADD, { text: 'second' }, { token: writer.accessToken });

    const firstPage = await app.graphql('{ notes(first: 1) { totalCount edges { node { text } } pageInfo { hasNextPage endCursor } } }');
    expect(firstPage.body.data!.notes).toMatchObject({ edges: [{ node: { text: 'second' } }], pageInfo: { hasNextPage: true } });
    const next = await app.graphql('query ($after: String) { notes(first: 1, after: $after) { edges { node { text } } } }', {
      after: firstPage.body.data!.notes.pageInfo.endCursor,
    });
    expect(next.body.data!.notes.edges).toEqual([{ node: { text: 'first' } }]);
  });

  it('batches its per-request loader: one call for every author of a page', async () => {
    const [ann, bob] = [await signUpUser(app), await signUpUser(app)];
    for (const writer of [ann, bob, ann]) await app.graphql(ADD, { text: 'batched' }, { token: writer.accessToken });
    countBatches.length = 0;
    const page = await app.graphql('{ notes(first: 3) { edges { node { author { id noteCount } } } } }');
    const counts = page.body.data!.notes.edges.map((edge: { node: { author: { id: string; noteCount: number } } }) => edge.node.author);
    expect(counts).toEqual([
      { id: ann.user.id, noteCount: 2 },
      { id: bob.user.id, noteCount: 1 },
      { id: ann.user.id, noteCount: 2 },
    ]);
    expect(countBatches).toEqual([2]);
  });

  it('is gated by its own rules', async () => {
    expect(outcome(await app.graphql(ADD, { text: 'anonymous' }))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });

  it('has its change topic routed to its listener and its subscription fed', async () => {
    const writer = await signUpUser(app);
    const client = subscriptionClient(app.url);
    clients.push(client);
    const subscription = client.subscribe('subscription { noteAdded { text author { id } } }');
    await client.connected;
    // The subscribe message has no acknowledgement: add notes until one arrives.
    let received: Awaited<ReturnType<typeof subscription.next>> | undefined;
    for (let attempt = 0; attempt < 20 && received === undefined; attempt++) {
      await app.graphql(ADD, { text: 'live' }, { token: writer.accessToken });
      received = await subscription.next(250).catch(() => undefined);
    }
    expect(received).toEqual({ data: { noteAdded: { text: 'live', author: { id: writer.user.id } } } });
    expect(heard.length).toBeGreaterThan(0);
  });

  it('binds its cursors to its own list: a feed cursor is BAD_USER_INPUT here, and the other way round', async () => {
    const writer = await signUpUser(app);
    for (const title of ['one', 'two']) {
      const id = (await app.graphql('mutation ($t: String!) { createPost(title: $t, body: "b") { id } }', { t: title }, { token: writer.accessToken })).body.data!.createPost.id;
      await app.graphql('mutation ($id: ID!) { publishPost(id: $id) { id } }', { id }, { token: writer.accessToken });
    }
    const feedCursor = (await app.graphql('{ feed(first: 1) { pageInfo { endCursor } } }')).body.data!.feed.pageInfo.endCursor;
    const notesCursor = (await app.graphql('{ notes(first: 1) { pageInfo { endCursor } } }')).body.data!.notes.pageInfo.endCursor;
    const borrowed = await app.graphql('query ($after: String) { notes(after: $after) { totalCount } }', { after: feedCursor });
    expect(outcome(borrowed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const back = await app.graphql('query ($after: String) { feed(after: $after) { totalCount } }', { after: notesCursor });
    expect(outcome(back)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const intoMyPosts = await app.graphql('query ($after: String) { myPosts(after: $after) { totalCount } }', { after: feedCursor }, { token: writer.accessToken });
    expect(outcome(intoMyPosts)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect((await app.graphql('query ($after: String) { feed(after: $after) { totalCount } }', { after: feedCursor })).body.errors).toBeUndefined();
  });
});

describe('a module that breaks the rules', () => {
  it('stops the server from starting, naming a field that has no resolver', async () => {
    const broken = defineModule({
      name: 'broken',
      typeDefs: '"A thing." type Thing { "Its id." id: ID! } extend type Query { "A thing." thing: Thing }',
      rules: { Thing: allow, Query: { thing: allow } },
      setup: () => ({ resolvers: {} }),
    });
    await expect(startTestApp({}, { modules: [...modules, broken] })).rejects.toThrow(/No resolver and no record property for Query\.thing, Thing\.id/);
  });

  it('stops the server from starting when nothing listens to a topic it publishes', async () => {
    const deaf = defineModule({
      name: 'deaf',
      rules: {},
      topics: [defineChangeTopic<{ id: string }>({ name: 'nobody-listens', parse: () => undefined })],
      setup: () => ({ resolvers: {} }),
    });
    await expect(startTestApp({}, { modules: [...modules, deaf] })).rejects.toThrow('No module listens to the change topics "nobody-listens".');
  });
});
