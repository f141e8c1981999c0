import { describe, expect, it } from '@jest/globals';
import { rawSocket } from '../helpers/raw-socket.js';
import { useTestApp } from '../helpers/test-app.js';

describe('the handshake’s Origin, without CORS_ORIGINS', () => {
  const app = useTestApp();

  it('refuses an Origin other than the server’s own with 403 before upgrading', async () => {
    expect(await rawSocket(app.url, { origin: 'https://evil.example' }).handshake).toBe(403);
    expect(await rawSocket(app.url, { origin: 'null' }).handshake).toBe(403);
    // Same host, another port: another origin.
    const port = Number(new URL(app.url).port);
    expect(await rawSocket(app.url, { origin: `http://127.0.0.1:${port + 1}` }).handshake).toBe(403);
  });

  it('lets the server’s own origin connect', async () => {
    const socket = rawSocket(app.url, { origin: app.url });
    await expect(socket.acknowledged()).resolves.toBeUndefined();
    await socket.close();
  });

  it('lets a client that sends no Origin (not a browser) connect', async () => {
    const socket = rawSocket(app.url);
    await expect(socket.acknowledged()).resolves.toBeUndefined();
    await socket.close();
  });
});

describe('the handshake’s Origin, with CORS_ORIGINS', () => {
  const app = useTestApp({ CORS_ORIGINS: 'https://app.example,https://admin.example:8443' });

  it('lets a listed origin connect', async () => {
    for (const origin of ['https://app.example', 'https://admin.example:8443']) {
      const socket = rawSocket(app.url, { origin });
      await expect(socket.acknowledged()).resolves.toBeUndefined();
      await socket.close();
    }
  });

  it('refuses an unlisted one with 403, the server’s own included', async () => {
    expect(await rawSocket(app.url, { origin: 'https://evil.example' }).handshake).toBe(403);
    expect(await rawSocket(app.url, { origin: 'http://app.example' }).handshake).toBe(403);
    expect(await rawSocket(app.url, { origin: app.url }).handshake).toBe(403);
  });
});
