import type { AccessTokens } from '../tokens/access-token.js';
import type { UserRepository } from '../users/user-repository.js';
import type { LoginThrottle, SignUpThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password.js';
import type { SessionCache } from './session-cache.js';
import type { SessionStore } from './session-store.js';

/** What the authentication use cases work with; built once in app.ts. */
export interface AuthDependencies {
  readonly users: UserRepository;
  readonly sessions: SessionStore;
  readonly sessionCache: SessionCache;
  readonly passwords: PasswordHasher;
  readonly accessTokens: AccessTokens;
  readonly loginThrottle: LoginThrottle;
  readonly signUpThrottle: SignUpThrottle;
}
