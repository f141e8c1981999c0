import { describe, expect, it } from '@jest/globals';
import { signUpUser, uniqueEmail, useTestApp } from '../helpers/test-app.js';
import { REQUEST_PASSWORD_RESET } from '../helpers/email-operations.js';

const SAMPLES = 60;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('requestPasswordReset timing', () => {
  const app = useTestApp();

  it(`answers registered and unknown addresses in similar time (medians of ${SAMPLES} each, interleaved)`, async () => {
    const users = [];
    for (let i = 0; i < SAMPLES; i += 1) users.push(await signUpUser(app));
    const timed = async (email: string) => {
      const start = process.hrtime.bigint();
      const response = await app.graphql(REQUEST_PASSWORD_RESET, { email });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      expect(response.body).toEqual({ data: { requestPasswordReset: true } });
      return ms;
    };
    for (let i = 0; i < 5; i += 1) await timed(uniqueEmail('warm-up'));
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      // Alternate which goes first, so neither always follows the other's background work.
      if (i % 2 === 0) {
        known.push(await timed(users[i]!.email));
        unknown.push(await timed(uniqueEmail('nobody')));
      } else {
        unknown.push(await timed(uniqueEmail('nobody')));
        known.push(await timed(users[i]!.email));
      }
    }
    const ratio = median(known) / median(unknown);
    console.log(
      `requestPasswordReset medians over ${SAMPLES} each: registered ${median(known).toFixed(2)} ms, unknown ${median(unknown).toFixed(2)} ms, ratio ${ratio.toFixed(2)}`,
    );
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
  });
});
