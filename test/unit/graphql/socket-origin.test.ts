import { describe, expect, it } from '@jest/globals';
import { isAllowedSocketOrigin } from '../../../src/graphql/socket-origin.js';

describe('a WebSocket handshake’s Origin', () => {
  it('is not required: a client without one is not a browser', () => {
    expect(isAllowedSocketOrigin({ host: 'api.example' }, [])).toBe(true);
    expect(isAllowedSocketOrigin({ host: 'api.example' }, ['https://app.example'])).toBe(true);
  });

  it('must be the server’s own host[:port] without CORS_ORIGINS, whatever the scheme', () => {
    expect(isAllowedSocketOrigin({ origin: 'https://api.example', host: 'api.example' }, [])).toBe(true);
    expect(isAllowedSocketOrigin({ origin: 'http://api.example', host: 'api.example' }, [])).toBe(true);
    expect(isAllowedSocketOrigin({ origin: 'https://api.example:443', host: 'API.example:443' }, [])).toBe(true);
    expect(isAllowedSocketOrigin({ origin: 'http://127.0.0.1:4000', host: '127.0.0.1:4000' }, [])).toBe(true);
    expect(isAllowedSocketOrigin({ origin: 'http://127.0.0.1:4001', host: '127.0.0.1:4000' }, [])).toBe(false);
    expect(isAllowedSocketOrigin({ origin: 'https://evil.example', host: 'api.example' }, [])).toBe(false);
    expect(isAllowedSocketOrigin({ origin: 'https://api.example' }, [])).toBe(false);
  });

  it('must be listed when CORS_ORIGINS is set', () => {
    const allowed = ['https://app.example'];
    expect(isAllowedSocketOrigin({ origin: 'https://app.example', host: 'api.example' }, allowed)).toBe(true);
    expect(isAllowedSocketOrigin({ origin: 'http://app.example', host: 'api.example' }, allowed)).toBe(false);
    expect(isAllowedSocketOrigin({ origin: 'https://api.example', host: 'api.example' }, allowed)).toBe(false);
  });

  it('is refused when it is `null` or not an http(s) origin', () => {
    for (const origin of ['null', 'file://', 'chrome-extension://abc', 'not a url']) {
      expect(isAllowedSocketOrigin({ origin, host: 'api.example' }, [])).toBe(false);
    }
  });
});
