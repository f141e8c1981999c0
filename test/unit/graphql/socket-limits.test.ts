import { describe, expect, it } from '@jest/globals';
import { createSocketCounter, SOCKET_LIMITS } from '../../../src/graphql/socket-limits.js';

describe('the socket counter', () => {
  it('refuses an address at its bound and admits others until the total bound', () => {
    const counter = createSocketCounter({ maxSocketsPerAddress: 2, maxSockets: 3 });
    expect(counter.admit('10.0.0.1')).toHaveProperty('release');
    expect(counter.admit('10.0.0.1')).toHaveProperty('release');
    expect(counter.admit('10.0.0.1')).toEqual({ refused: 'Too many sockets from this address' });
    expect(counter.admit('10.0.0.2')).toHaveProperty('release');
    expect(counter.admit('10.0.0.3')).toEqual({ refused: 'Too many sockets' });
    expect(counter.open).toBe(3);
  });

  it('frees a place on release, once however often it is called', () => {
    const counter = createSocketCounter({ maxSocketsPerAddress: 1, maxSockets: 10 });
    const first = counter.admit('10.0.0.1');
    if (!('release' in first)) throw new Error('refused');
    first.release();
    first.release();
    expect(counter.open).toBe(0);
    expect(counter.admit('10.0.0.1')).toHaveProperty('release');
    expect(counter.admit('10.0.0.1')).toEqual({ refused: 'Too many sockets from this address' });
  });

  it('has defaults that let one address hold a small share of the total', () => {
    expect(SOCKET_LIMITS).toEqual({ maxSocketsPerAddress: 50, maxSockets: 10_000, maxOperationsPerSocket: 100 });
  });
});
