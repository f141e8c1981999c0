import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createDeviceTokens, deviceTokenOf, DEVICE_TOKEN_LIFETIME_SECONDS } from '../../../src/auth/device-token.js';

const NOW = Date.UTC(2026, 11, 1);
const tokens = createDeviceTokens(randomBytes(32));
const userId = randomUUID();

describe('device tokens', () => {
  it('verify for the account they were issued to, until their lifetime ends', () => {
    const token = tokens.issue(userId, NOW);
    expect(tokens.verify(token, userId, NOW)).toEqual({ key: token.split('.')[3] });
    expect(tokens.verify(token, userId, NOW + DEVICE_TOKEN_LIFETIME_SECONDS * 1000)).not.toBeNull();
    expect(tokens.verify(token, userId, NOW + DEVICE_TOKEN_LIFETIME_SECONDS * 1000 + 1000)).toBeNull();
    expect(tokens.verify(token, randomUUID(), NOW)).toBeNull();
  });

  it('refuse a token issued in the future, one signed with another key, and none at all', () => {
    expect(tokens.verify(tokens.issue(userId, NOW + 60_000), userId, NOW)).toBeNull();
    expect(tokens.verify(createDeviceTokens(randomBytes(32)).issue(userId, NOW), userId, NOW)).toBeNull();
    expect(tokens.verify(null, userId, NOW)).toBeNull();
    expect(tokens.verify(undefined, userId, NOW)).toBeNull();
  });

  it('are read from the header first, else from the cookie', () => {
    expect(deviceTokenOf({ 'gatehouse-device': 'h', cookie: '__Host-gatehouse-device=c' })).toBe('h');
    expect(deviceTokenOf({ cookie: 'a=1; __Host-gatehouse-device=c; b=2' })).toBe('c');
    expect(deviceTokenOf({ cookie: 'gatehouse-device=c' })).toBeNull();
    expect(deviceTokenOf({})).toBeNull();
  });
});
