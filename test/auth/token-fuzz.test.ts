import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ME, postGraphQL, signUpUser, useTestApp } from '../helpers/test-app.js';
import { tokenMutation } from '../helpers/token-mutations.js';

describe.each(['HS256', 'ES256'])('the token path through HTTP under fuzzing (%s)', (algorithm) => {
  const app = useTestApp({ JWT_ALGORITHM: algorithm });
  let valid: string;
  beforeAll(async () => {
    valid = (await signUpUser(app)).accessToken;
  });

  it('answers 1,000 mutated tokens with 401 UNAUTHENTICATED: none accepted, no server error', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(tokenMutation(valid), async (mutated) => {
        fc.pre(mutated.trim() !== valid && mutated.trim() !== '');
        const response = await postGraphQL(app.url, ME, {}, { headers: { authorization: `Bearer ${mutated}` } });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        return (
          response.status === 401 &&
          response.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' &&
          response.body.data === undefined
        );
      }),
      { numRuns: 1_000 },
    );
    expect([...statuses.keys()]).toEqual([401]);
  });
});
