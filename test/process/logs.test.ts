import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { LOGIN, REFRESH, SIGN_UP, postGraphQL, uniqueEmail } from '../helpers/test-app.js';

// Runs the real server at the most verbose level, sends secrets through every path a
// client can use, then searches everything the process printed for them.
const secret = (label: string) => `${label}-${randomBytes(12).toString('base64url')}`;

let dataDir: string;
let server: ServerProcess;
const JWT_SECRET = secret('jwt-secret-that-is-long-enough');

const migratedDataDir = () => makeTempDir('logs', { migrated: true });

beforeAll(async () => {
  dataDir = await migratedDataDir();
  server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'trace', JWT_SECRET });
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  await removeTempDir(dataDir);
});

const logLines = () =>
  server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('logs', () => {
  it('never contain a password, token, cookie or secret, at level trace, whatever path it came by', async () => {
    const url = server.url;
    const email = uniqueEmail('logs');
    const sent: string[] = [JWT_SECRET];
    const remember = (value: string) => (sent.push(value), value);

    // signUp: password in variables; tokens come back.
    const signUpPassword = remember(secret('signup-password'));
    const signUp = await postGraphQL(url, SIGN_UP, { email, password: signUpPassword });
    const { accessToken, refreshToken } = signUp.body.data!.signUp as { accessToken: string; refreshToken: string };
    sent.push(accessToken, refreshToken, ...accessToken.split('.').slice(1));

    // login with the password written inline in the document, and a wrong one in variables.
    const inline = `mutation { login(email: "${email}", password: "${signUpPassword}") { accessToken refreshToken } }`;
    const login = await postGraphQL(url, inline);
    const second = login.body.data!.login as { accessToken: string; refreshToken: string };
    sent.push(second.accessToken, second.refreshToken);
    await postGraphQL(url, LOGIN, { email, password: remember(secret('wrong-password')) });

    // refreshToken: the token in variables, and a made-up one.
    const refreshed = await postGraphQL(url, REFRESH, { refreshToken: second.refreshToken });
    sent.push(...Object.values(refreshed.body.data!.refreshToken as Record<string, string>).filter((v) => typeof v === 'string'));
    await postGraphQL(url, REFRESH, { refreshToken: remember(secret('forged-refresh')) });

    // The Authorization header (good, malformed, forged) and a cookie.
    await postGraphQL(url, '{ me { id } }', {}, { token: accessToken, headers: { cookie: `session=${remember(secret('cookie'))}` } });
    await postGraphQL(url, '{ me { id } }', {}, { headers: { authorization: `Bearer ${remember(secret('forged-token'))}` } });
    await postGraphQL(url, '{ me { id } }', {}, { headers: { authorization: `Basic ${remember(secret('basic'))}` } });

    // changePassword with both passwords; nested and oddly named variables.
    const newPassword = remember(secret('new-password'));
    await postGraphQL(
      url,
      `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }`,
      { c: signUpPassword, n: newPassword },
      { token: accessToken },
    );
    await postGraphQL(url, LOGIN, { email, password: newPassword, extra: { deep: { password: remember(secret('deep')) } } });

    // GET: the document and variables sit in the URL.
    const getPassword = remember(secret('get-password'));
    const query = encodeURIComponent('query ($password: String) { __typename }');
    const variables = encodeURIComponent(JSON.stringify({ password: getPassword }));
    await fetch(`${url}/graphql?query=${query}&variables=${variables}`, { headers: { 'apollo-require-preflight': 'true' } });
    await fetch(`${url}/graphql?query=${encodeURIComponent(`mutation { login(email: "${email}", password: "${remember(secret('get-inline'))}") { accessToken } }`)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });

    // Bodies the server cannot read: malformed JSON, too large, wrong type.
    const post = (body: string, type = 'application/json') =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });
    await post(`{"query": "mutation { login(password: \\"${remember(secret('malformed'))}\\"`);
    await post(JSON.stringify({ query: LOGIN, variables: { email, password: remember(secret('huge')) }, pad: 'x'.repeat(120_000) }));
    await post(`password=${remember(secret('form'))}`, 'application/x-www-form-urlencoded');
    await post(JSON.stringify({ query: `{ me { ${remember(secret('unknownField'))} } }` }));

    // deleteAccount with the password.
    const latest = await postGraphQL(url, LOGIN, { email, password: newPassword });
    await postGraphQL(url, 'mutation ($p: String!) { deleteAccount(password: $p) }', { p: newPassword }, { token: (latest.body.data!.login as { accessToken: string }).accessToken });

    await new Promise((resolve) => setTimeout(resolve, 200)); // let the last lines arrive
    const output = server.output();
    const leaked = sent.filter((value) => output.includes(value));
    if (leaked.length > 0) console.log(output.split('\n').filter((line) => leaked.some((v) => line.includes(v))).join('\n'));
    expect(leaked).toEqual([]);
    // The search is not vacuous: the log did see these requests.
    expect(logLines().filter((line) => line.msg === 'request').length).toBeGreaterThanOrEqual(18);
    expect(output).toContain('[REDACTED]');
  });

  it('writes one line per operation with request id, name, type, duration, status, error codes and user', async () => {
    const email = uniqueEmail('line');
    const signUp = await postGraphQL(server.url, SIGN_UP, { email, password: 'a fine password' });
    const userId = (signUp.body.data!.signUp as { user: { id: string } }).user.id;
    const token = (signUp.body.data!.signUp as { accessToken: string }).accessToken;
    await postGraphQL(server.url, 'query WhoAmI { me { id } }', {}, { token });
    await postGraphQL(server.url, LOGIN, { email, password: 'not it' });
    await postGraphQL(server.url, '{ me { id } }', {}, { headers: { authorization: 'Bearer not.a.token' } });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const lines = logLines().filter((line) => line.msg === 'request');
    const whoAmI = lines.find((line) => line.operationName === 'WhoAmI');
    expect(whoAmI).toMatchObject({
      level: 30,
      reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      method: 'POST',
      path: '/graphql',
      status: 200,
      ms: expect.any(Number),
      operationType: 'query',
      userId,
    });
    expect(whoAmI!.errorCodes).toBeUndefined();
    expect(whoAmI!.query).toBe('query WhoAmI {\n  me {\n    id\n  }\n}');

    const failedLogin = lines.filter((line) => line.operationName === 'Login').at(-1);
    expect(failedLogin).toMatchObject({
      operationType: 'mutation',
      errorCodes: ['UNAUTHENTICATED:INVALID_CREDENTIALS'],
      variables: { email, password: '[REDACTED]' },
    });
    expect(lines.at(-1)).toMatchObject({ status: 401, errorCodes: ['UNAUTHENTICATED:TOKEN_INVALID'] });
    // One line per request: no request id appears twice.
    const ids = lines.map((line) => line.reqId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('LOG_LEVEL', () => {
  it('is honoured: at warn, a normal request writes nothing', async () => {
    const dir = await migratedDataDir();
    const quiet = await startServerProcess({ DATA_DIR: dir, LOG_LEVEL: 'warn', JWT_SECRET });
    try {
      await postGraphQL(quiet.url, '{ __typename }');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const lines = quiet.output().split('\n').filter((line) => line.includes('"request"'));
      expect(lines).toEqual([]);
    } finally {
      await quiet.stop('SIGKILL');
      await removeTempDir(dir);
    }
  });
});
