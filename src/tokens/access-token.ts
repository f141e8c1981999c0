import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthenticationError } from '../errors.js';
import type { SigningKey } from './signing-key.js';

/** The verified claims of an access token (RFC 9068 profile plus `sid`, `role`, `scope`). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string | string[];
  /** The user id. */
  readonly sub: string;
  /** The session id. */
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly role: string;
  /** Space-separated permissions, e.g. "read write"; "mfa" while a second factor is owed. */
  readonly scope: string;
  /** OIDC Core §2: when the user last proved a factor, in seconds since the epoch. */
  readonly auth_time: number;
  /** Authenticator assurance level: 1 (password) or 2 (and a second factor). */
  readonly aal: 1 | 2;
  /** RFC 8176 method names, e.g. ["pwd"], ["pwd","otp"]. */
  readonly amr: readonly string[];
}

export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  role: string;
  scope: string;
  /** Seconds since the epoch. */
  authTime: number;
  aal: 1 | 2;
  amr: readonly string[];
  /** Seconds since the epoch past which the token must not live (its session's absolute end). */
  notAfter?: number;
}

export interface AccessTokenOptions {
  key: SigningKey;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Seconds since the epoch; injectable so tests can freeze the clock. */
  now?: () => number;
}

export interface AccessTokens {
  sign(subject: AccessTokenSubject): { token: string; expiresIn: number };
  /** Returns the claims or throws AuthenticationError (TOKEN_INVALID or TOKEN_EXPIRED). */
  verify(token: string): AccessTokenClaims;
}

// RFC 9068 §2.1: access tokens are typed "at+jwt"; §4: "application/at+jwt" is the same type.
const TOKEN_TYPE = 'at+jwt';
const ACCEPTED_TYPES = new Set(['at+jwt', 'application/at+jwt']);
/** How far past `exp` (and before `nbf`) a token is still accepted. */
export const CLOCK_TOLERANCE_SECONDS = 5;
// Larger tokens are rejected before any base64 or JSON parsing.
const MAX_TOKEN_LENGTH = 8 * 1024;
// We sign at most ["pwd","otp"]; room for a few more methods, none for a list to iterate at length.
const MAX_AMR_LENGTH = 8;

// Tokens that passed full verification, by their exact text: presenting one again costs a
// map lookup and a clock check instead of an HMAC or RSA verification and three parses.
// Exact-string keys make a hit as strong as re-checking the signature.
const VERIFIED_CACHE_SIZE = 10_000;

const invalid = () => new AuthenticationError('TOKEN_INVALID');

/** Signs and verifies access tokens with one pinned algorithm. */
export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const { key, issuer, audience, ttlSeconds } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const verified = new Map<string, AccessTokenClaims>();

  return {
    sign(subject) {
      const iat = now();
      // Never past `notAfter`, even when that leaves the token no time: its session is over then.
      const exp = Math.max(iat, Math.min(iat + ttlSeconds, subject.notAfter ?? Number.MAX_SAFE_INTEGER));
      const payload = {
        iss: issuer,
        aud: audience,
        sub: subject.userId,
        sid: subject.sessionId,
        jti: randomUUID(),
        iat,
        exp,
        role: subject.role,
        scope: subject.scope,
        auth_time: subject.authTime,
        aal: subject.aal,
        amr: subject.amr,
      };
      const token = jwt.sign(payload, key.signingKey, {
        algorithm: key.algorithm,
        header: { alg: key.algorithm, typ: TOKEN_TYPE, ...(key.kid !== undefined && { kid: key.kid }) },
      });
      return { token, expiresIn: exp - iat };
    },

    verify(token) {
      const known = verified.get(token);
      if (known !== undefined) {
        // jsonwebtoken's rule: expired from exp + tolerance on (RFC 7519 §4.1.4).
        if (now() >= known.exp + CLOCK_TOLERANCE_SECONDS) {
          verified.delete(token);
          throw new AuthenticationError('TOKEN_EXPIRED');
        }
        return known;
      }
      if (token.length > MAX_TOKEN_LENGTH || !isCanonicalCompactJws(token)) throw invalid();
      const verificationKey = pickVerificationKey(key, token);
      if (verificationKey === undefined) throw invalid();
      let decoded: jwt.Jwt;
      try {
        decoded = jwt.verify(token, verificationKey, {
          algorithms: [key.algorithm],
          issuer,
          audience,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          clockTimestamp: now(),
          complete: true,
        });
      } catch (error) {
        if (error instanceof jwt.TokenExpiredError) {
          throw new AuthenticationError('TOKEN_EXPIRED');
        }
        throw invalid();
      }
      const { header, payload } = decoded;
      if (typeof header.typ !== 'string' || !ACCEPTED_TYPES.has(header.typ.toLowerCase())) {
        throw invalid();
      }
      // RFC 7515 §4.1.11: extensions listed in "crit" must be understood; we understand none.
      if ('crit' in header) throw invalid();
      if (!isAccessTokenClaims(payload)) throw invalid();
      // Signed with our key but not as we sign: issued in the future, or living longer than
      // ACCESS_TOKEN_TTL_SECONDS (a leaked key's forgeries, or a token from a longer-lived
      // configuration). Lowering the TTL thus ends longer tokens at once.
      if (payload.iat > now() + CLOCK_TOLERANCE_SECONDS || payload.exp - payload.iat > ttlSeconds) throw invalid();
      // A token with nbf is cached only once valid, so the cache never skips that check.
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, Object.freeze(payload));
      return payload;
    },
  };
}

/**
 * Three base64url segments, each in its one canonical spelling. Decoders ignore the
 * unused low bits of a segment's last character, so without this check one signed token
 * has several accepted spellings (a token presented twice would not look the same).
 */
function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split('.');
  return (
    segments.length === 3 &&
    segments.every(
      (segment) =>
        /^[A-Za-z0-9_-]*$/.test(segment) &&
        Buffer.from(segment, 'base64url').toString('base64url') === segment,
    )
  );
}

/**
 * The key named by the token's `kid` among ours (RFC 8725 §3.10: the header only selects,
 * never supplies, a key: `jku`, `x5u` and embedded `jwk` are never followed). HS256 has one.
 */
function pickVerificationKey(key: SigningKey, token: string) {
  if (key.algorithm === 'HS256') return key.verificationKeys.get('');
  const header = decodeHeader(token);
  const kid = header?.kid;
  return typeof kid === 'string' ? key.verificationKeys.get(kid) : undefined;
}

function decodeHeader(token: string): Record<string, unknown> | undefined {
  const encoded = token.slice(0, token.indexOf('.'));
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isAccessTokenClaims(payload: unknown): payload is AccessTokenClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const claims = payload as Record<string, unknown>;
  return (
    typeof claims.iss === 'string' &&
    (typeof claims.aud === 'string' || Array.isArray(claims.aud)) &&
    isNonEmptyString(claims.sub) &&
    isNonEmptyString(claims.sid) &&
    isNonEmptyString(claims.jti) &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp) &&
    isNonEmptyString(claims.role) &&
    typeof claims.scope === 'string' &&
    Number.isInteger(claims.auth_time) &&
    (claims.aal === 1 || claims.aal === 2) &&
    Array.isArray(claims.amr) &&
    claims.amr.length > 0 &&
    claims.amr.length <= MAX_AMR_LENGTH &&
    claims.amr.every(isNonEmptyString)
  );
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
