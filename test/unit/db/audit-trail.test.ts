import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Kind, parse, type EnumTypeDefinitionNode } from 'graphql';
import { AUDIT_EVENT_KINDS } from '../../../src/db/audit-trail.js';

describe('audit event kinds', () => {
  it('are exactly the AuditEventKind enum of the schema, in order', () => {
    const document = parse(readFileSync(new URL('../../../schema/audit.graphql', import.meta.url), 'utf8'));
    const kindEnum = document.definitions.find(
      (definition): definition is EnumTypeDefinitionNode =>
        definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'AuditEventKind',
    );
    expect(kindEnum?.values?.map((value) => value.name.value)).toEqual([...AUDIT_EVENT_KINDS]);
  });

  it('include every kind the contract names', () => {
    expect(AUDIT_EVENT_KINDS).toEqual(
      expect.arrayContaining([
        'SIGNED_UP', 'LOGIN_SUCCEEDED', 'LOGIN_FAILED', 'LOGIN_RATE_LIMITED', 'LOGGED_OUT', 'SESSION_REVOKED',
        'REFRESH_TOKEN_REUSED', 'PASSWORD_CHANGED', 'PASSWORD_RESET', 'EMAIL_VERIFIED', 'EMAIL_CHANGED',
        'MFA_ENABLED', 'MFA_DISABLED', 'MFA_FAILED', 'ROLE_CHANGED', 'USER_DISABLED', 'USER_ENABLED', 'ACCOUNT_DELETED',
      ]),
    );
  });
});
