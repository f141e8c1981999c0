import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from '@jest/globals';
import { subscriptionClient, type SubscriptionClient } from '../helpers/subscription-client.js';
import { ME, outcome, signUpUser, useTestApp } from '../helpers/test-app.js';

const app = useTestApp();

// ~12 KB anonymous documents, each under the 5,000-token limit, that graphql-js's
// field-merging rule compares pair by pair.
const REPEATED_LISTS = `{ ${'feed { edges { node { id } } } '.repeat(380)}}`;
const REPEATED_FIELD = `{ feed { edges { node { ${'id '.repeat(4_000)}} } } }`;
const FRAGMENT_FAN_IN = `{ feed { edges { node { ${'...P '.repeat(2_300)}} } } } fragment P on Post { id title }`;

const VALIDATION_FAILED = { code: 'GRAPHQL_VALIDATION_FAILED' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('costly shapes are refused before graphql-js’s own validation', () => {
  it.each([
    ['one list selected 380 times', REPEATED_LISTS, /more than 1000 selections/],
    ['one list selected 60 times (300 selections)', `{ ${'feed { edges { node { id } } } '.repeat(60)}}`, /"feed" is selected 60 times in one selection set; at most 10/],
    ['one field selected 4,000 times', REPEATED_FIELD, /more than 1000 selections/],
    ['one fragment spread 2,300 times', FRAGMENT_FAN_IN, /more than 1000 selections/],
  ])('refuses %s with 400 GRAPHQL_VALIDATION_FAILED', async (_name, query, message) => {
    expect(query.length).toBeGreaterThan(1_800);
    const response = await app.graphql(query);
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
    expect(response.body.errors![0]!.message).toMatch(message);
  });

  it('answers what ordinary clients send: a field asked twice, a fragment spread in three places', async () => {
    const response = await app.graphql(`
      { feed(first: 2) { edges { node { id ...A ...B ...C } } } feed(first: 2) { totalCount } }
      fragment A on Post { id title } fragment B on Post { id author { id } } fragment C on Post { id }
    `);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('keeps `me` responsive while ~20 such documents arrive, and costs little CPU per refusal', async () => {
    const user = await signUpUser(app);
    const meLatencies = async (samples: number) => {
      const latencies: number[] = [];
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        const response = await app.graphql(ME, {}, { token: user.accessToken });
        latencies.push(performance.now() - started);
        expect(response.body.data?.me?.id).toBe(user.user.id);
      }
      return latencies;
    };
    await meLatencies(5); // warm-up
    const idle = median(await meLatencies(15));

    // The server runs in this process: its CPU time is ours.
    const cpuBefore = process.cpuUsage();
    const documents = Array.from({ length: 20 }, (_, i) => [REPEATED_LISTS, REPEATED_FIELD, FRAGMENT_FAN_IN][i % 3]!);
    const attack = Promise.all(documents.map((query) => app.graphql(query)));
    const during = median(await meLatencies(5));
    const refusals = await attack;
    const cpu = process.cpuUsage(cpuBefore);

    console.info(
      `VALIDATION: 20 refusals + 5 me in ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms of CPU ` +
        `(~${((cpu.user + cpu.system) / 1000 / 20).toFixed(1)} ms each); me median idle ${idle.toFixed(1)} ms, during ${during.toFixed(1)} ms (x${(during / idle).toFixed(1)})`,
    );
    for (const refused of refusals) expect(outcome(refused)).toEqual(VALIDATION_FAILED);
    expect(during / idle).toBeLessThan(10);
  });
});

describe('the same pass over WebSocket', () => {
  let client: SubscriptionClient | undefined;
  afterAll(() => client?.dispose());

  it('refuses a subscription selecting one field 20 times in one selection set', async () => {
    client = subscriptionClient(app.url);
    const { error } = await client.subscribe(`subscription { postPublished { ${'id '.repeat(20)}} }`).ended;
    expect(error).toEqual([expect.objectContaining({ extensions: VALIDATION_FAILED })]);
    expect((error as Array<{ message: string }>)[0]!.message).toMatch(/"id" is selected 20 times/);
  });
});
