import { describe, expect, it } from '@jest/globals';
import { createSecurityNotices } from '../../src/auth/security-notice.js';
import type { GatehouseModule } from '../../src/graphql/module.js';
import { modules } from '../../src/modules/registry.js';
import { useMailingApp } from '../helpers/email-operations.js';
import { CONFIRM_MFA_ENROLLMENT, signUpWithMfa, START_MFA_ENROLLMENT, totpCode, VERIFY_MFA } from '../helpers/mfa-operations.js';
import { PASSWORD, useTestApp, type GraphQLTarget } from '../helpers/test-app.js';

interface DevMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const LOGIN = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';
const SUBJECTS = {
  enabled: 'Two-factor authentication was turned on',
  changed: 'Your two-factor authenticator was changed',
  codeUsed: 'A recovery code was used',
  regenerated: 'New recovery codes were generated',
  disabled: 'Two-factor authentication was turned off',
};

async function ok<T>(app: GraphQLTarget, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await app.graphql(query, variables, token === undefined ? {} : { token });
  expect(response.body.errors).toBeUndefined();
  return Object.values(response.body.data!)[0] as T;
}

/** A user with MFA on, signed in again with a recovery code (aal 2), then through every MFA change; what each step handed out. */
async function changeEverything(app: GraphQLTarget) {
  const user = await signUpWithMfa(app);
  const login = await ok<{ accessToken: string }>(app, LOGIN, { e: user.email, p: PASSWORD });
  const { accessToken: token } = await ok<{ accessToken: string }>(app, VERIFY_MFA, { code: user.recoveryCodes[0] }, login.accessToken);
  const regenerated = await ok<string[]>(app, 'mutation { regenerateRecoveryCodes }', {}, token);
  const { secret: newSecret } = await ok<{ secret: string }>(app, START_MFA_ENROLLMENT, {}, token);
  const replaced = await ok<string[]>(app, CONFIRM_MFA_ENROLLMENT, { code: totpCode(newSecret, Date.now()) }, token);
  expect(await ok<boolean>(app, 'mutation { disableMfa }', {}, token)).toBe(true);
  // Off already: nothing changes, nothing to tell.
  expect(await ok<boolean>(app, 'mutation { disableMfa }', {}, token)).toBe(false);
  return { ...user, secrets: [user.secret, newSecret, ...user.recoveryCodes, ...regenerated, ...replaced] };
}

describe('MFA security notices, kept for /dev/mail without SMTP_URL', () => {
  const app = useTestApp();
  const kept = async () => (await (await fetch(`${app.url}/dev/mail.json`)).json()) as DevMail[];

  it('mails exactly one notice per change to the user, in both bodies, with no secret, code or link', async () => {
    const user = await changeEverything(app);
    // Kept mail is written in the change's transaction: it is listed once the answer is in.
    const notices = (await kept()).filter((mail) => mail.to === user.email && mail.subject !== 'Verify your email address');
    expect(notices.map((mail) => mail.subject).sort()).toEqual(Object.values(SUBJECTS).sort());
    for (const mail of notices) {
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.text.length).toBeGreaterThan(50);
      expect(`${mail.text}${mail.html}`).not.toMatch(/https?:\/\//);
      for (const secret of user.secrets) {
        expect(mail.text).not.toContain(secret);
        expect(mail.html).not.toContain(secret);
      }
    }
    const codeUsed = notices.find((mail) => mail.subject === SUBJECTS.codeUsed)!;
    expect(codeUsed.text).toContain('9 are left');
  });

  it('tells of a recovery code used to step up, with how many are left', async () => {
    const user = await signUpWithMfa(app);
    const reauthenticate = 'mutation ($code: String) { reauthenticate(code: $code) { accessToken } }';
    for (const code of user.recoveryCodes.slice(0, 2)) await ok(app, reauthenticate, { code }, user.accessToken);
    const used = (await kept()).filter((mail) => mail.to === user.email && mail.subject === SUBJECTS.codeUsed);
    // Newest first.
    expect(used.map((mail) => /(\d+) are left/.exec(mail.text)?.[1])).toEqual(['8', '9']);
  });
});

describe('MFA security notices through SMTP', () => {
  const { app, smtp } = useMailingApp({}, { sender: { pollIntervalMs: 100 } });

  it('delivers one notice per change to the user\'s address', async () => {
    const user = await changeEverything(app);
    for (const subject of Object.values(SUBJECTS)) await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === subject);
    const notices = smtp.mails.filter((mail) => mail.to.includes(user.email) && Object.values(SUBJECTS).includes(mail.subject));
    expect(notices.map((mail) => mail.subject).sort()).toEqual(Object.values(SUBJECTS).sort());
    expect(notices.find((mail) => mail.subject === SUBJECTS.disabled)!.body).toContain('signing in now needs the password alone');
  });
});

describe('MFA without a module that sends security notices', () => {
  // The email module (whose schema the server needs) with its notice hook on a list the
  // kernel never runs: as if no installed module sent notices.
  const withoutNotices: GatehouseModule[] = modules.map((module) =>
    module.name === 'email'
      ? { ...module, setup: (kernel) => module.setup({ ...kernel, services: { ...kernel.services, securityNotices: createSecurityNotices() } }) }
      : module,
  );
  const app = useTestApp({}, { modules: withoutNotices });

  it('turns MFA on, proves it, regenerates codes and turns it off, and mails nothing', async () => {
    const user = await changeEverything(app);
    const mails = (await (await fetch(`${app.url}/dev/mail.json`)).json()) as DevMail[];
    expect(mails.filter((mail) => mail.to === user.email && mail.subject !== 'Verify your email address')).toEqual([]);
  });
});
