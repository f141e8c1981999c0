// The Gatehouse GraphQL IDE: GraphiQL with a login, sign-up and password-reset bar. Tokens live in
// sessionStorage (this tab only); every request carries the access token, and a
// TOKEN_EXPIRED answer is refreshed once (one refresh in flight however many requests
// fail) and retried. Subscriptions go over graphql-ws, the token in connection_init.
// A login (or password reset) that owes its second factor is kept pending, in memory
// only, until verifyMfa answers with the session's aal 2 tokens; an operation refused
// with REAUTH_REQUIRED opens "Confirm it's you", which calls reauthenticate.
(() => {
  'use strict';
  const ENDPOINT = '/graphql';
  const SOCKET_URL = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${ENDPOINT}`;
  const KEYS = { access: 'gatehouse.accessToken', refresh: 'gatehouse.refreshToken', user: 'gatehouse.user' };
  const PAYLOAD = 'accessToken refreshToken mfaRequired user { id email role }';
  const LOGIN = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD} } }`;
  const SIGN_UP = `mutation SignUp($email: String!, $password: String!) { signUp(email: $email, password: $password) { ${PAYLOAD} } }`;
  const REFRESH = `mutation Refresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${PAYLOAD} } }`;
  const LOGOUT = 'mutation Logout { logout }';
  const REQUEST_RESET = 'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }';
  const RESET = `mutation ResetPassword($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) { ${PAYLOAD} } }`;
  const VERIFY_MFA = `mutation VerifyMfa($code: String!) { verifyMfa(code: $code) { ${PAYLOAD} } }`;
  const REAUTHENTICATE = `mutation Reauthenticate($password: String, $code: String) { reauthenticate(password: $password, code: $code) { ${PAYLOAD} } }`;
  const MFA_ENABLED = 'query MfaEnabled { me { mfaEnabled } }';
  const SESSION_ENDED = 'Your session has ended. Log in again.';

  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;
  // The tokens of a login that owes its second factor (scope mfa): never sent by the
  // editor, and not kept past this page.
  let pending = null;

  function post(body, token) {
    return fetch(ENDPOINT, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  }

  function save(payload) {
    store.setItem(KEYS.access, payload.accessToken);
    store.setItem(KEYS.refresh, payload.refreshToken);
    const user = `${payload.user.email} (${payload.user.role})`;
    const changed = store.getItem(KEYS.user) !== user;
    store.setItem(KEYS.user, user);
    // A refresh keeps the socket (same session); a new identity gets a new one.
    if (changed) closeSocket();
    show();
  }

  function forget(message) {
    for (const key of Object.values(KEYS)) store.removeItem(key);
    closeSocket();
    show(message);
  }

  // A message stays until the next success of any kind: a later answer replaces it.
  function setStatus(message = '') {
    $('status').textContent = message;
  }

  function show(message = '') {
    const user = store.getItem(KEYS.user);
    $('login').hidden = user !== null || pending !== null;
    if (user !== null || pending !== null) closeForgot();
    $('mfa').hidden = pending === null;
    if (pending === null) $('mfa').reset();
    if (user === null) closeReauth();
    $('who').hidden = user === null;
    $('logout').hidden = user === null;
    $('who').textContent = user === null ? '' : `Signed in as ${user}`;
    setStatus(message);
  }

  async function reasonOf(response) {
    try {
      const body = await response.clone().json();
      return body.errors && body.errors[0] && body.errors[0].extensions ? body.errors[0].extensions.reason : undefined;
    } catch {
      return undefined;
    }
  }

  // The server's message for a refused operation; RATE_LIMITED says how long to wait.
  function errorText(body, fallback) {
    const error = body && body.errors && body.errors[0];
    if (!error) return fallback;
    const wait = error.extensions && error.extensions.code === 'RATE_LIMITED' ? error.extensions.retryAfter : undefined;
    return typeof wait === 'number' && !error.message.includes(String(wait)) ? `${error.message} Try again in ${wait} s.` : error.message;
  }

  // A login, sign-up or reset answer: signed in, or asked for the second factor first.
  function signIn(payload, message = '') {
    if (!payload.mfaRequired) {
      save(payload);
      setStatus(message);
      return;
    }
    pending = { accessToken: payload.accessToken, refreshToken: payload.refreshToken };
    show(`${message ? `${message} ` : ''}Enter the code from your authenticator app for ${payload.user.email}, or a recovery code.`);
    $('mfa-code').focus();
  }

  let refreshing = null;
  function refresh() {
    refreshing ??= (async () => {
      const refreshToken = store.getItem(KEYS.refresh);
      if (refreshToken === null) return false;
      const response = await post({ query: REFRESH, variables: { refreshToken } });
      const body = await response.json();
      if (body.data && body.data.refreshToken) {
        save(body.data.refreshToken);
        return true;
      }
      forget(SESSION_ENDED);
      return false;
    })().finally(() => (refreshing = null));
    return refreshing;
  }

  // GraphiQL's fetch: the token on every request; TOKEN_EXPIRED → refresh once, retry.
  async function authenticatedFetch(url, init = {}) {
    let ownToken = false;
    const send = () => {
      const token = store.getItem(KEYS.access);
      const headers = { ...(init.headers || {}) };
      ownToken = token !== null && !('authorization' in headers) && !('Authorization' in headers);
      if (ownToken) headers.authorization = `Bearer ${token}`;
      return fetch(url, { ...init, headers });
    };
    let response = await send();
    if (response.status === 401) {
      const reason = await reasonOf(response);
      if (reason === 'TOKEN_EXPIRED' && (await refresh())) response = await send();
      else if (reason === 'SESSION_REVOKED' || reason === 'TOKEN_INVALID') forget(SESSION_ENDED);
    }
    if (response.ok) {
      setStatus();
      // A token typed in the Headers pane is not ours to step up.
      if (ownToken && (await needsReauthentication(response))) offerReauth();
    }
    return response;
  }

  async function needsReauthentication(response) {
    if (!(response.headers.get('content-type') || '').includes('json')) return false;
    try {
      const body = await response.clone().json();
      return Array.isArray(body.errors) && body.errors.some((error) => error.extensions && error.extensions.reason === 'REAUTH_REQUIRED');
    } catch {
      return false;
    }
  }

  function graphql(query, variables = {}) {
    return authenticatedFetch(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  }

  // Step-up: the password, and a code when MFA is on (asked of the server, as it may
  // have been turned on from the editor since the login).
  async function offerReauth() {
    if (!$('reauth').hidden) return;
    let mfaEnabled = true;
    try {
      const body = await (await graphql(MFA_ENABLED)).json();
      if (body.data && body.data.me) mfaEnabled = body.data.me.mfaEnabled === true;
    } catch {
      // Unknown: ask for both (with MFA off the server checks only the password).
    }
    if (store.getItem(KEYS.user) === null) return;
    showReauthCode(mfaEnabled);
    $('reauth').hidden = false;
    setStatus("This operation needs a recent sign-in: confirm it's you, then run it again.");
    $('reauth-password').focus();
  }

  function showReauthCode(shown) {
    for (const element of document.querySelectorAll('.reauth-code')) element.hidden = !shown;
    $('reauth-code').required = shown;
  }

  function closeReauth() {
    $('reauth').hidden = true;
    $('reauth').reset();
  }

  // The access token's own expiry (the payload is not secret; the server verifies it).
  function hasExpired(token) {
    try {
      const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now();
    } catch {
      return false;
    }
  }

  // One graphql-ws client per identity, connected on the first subscription.
  let socket = null;
  function openSocket() {
    socket ??= graphqlWs.createClient({
      url: SOCKET_URL,
      lazy: true,
      retryAttempts: 0,
      connectionParams: async () => {
        let token = store.getItem(KEYS.access);
        if (token !== null && hasExpired(token) && (await refresh())) token = store.getItem(KEYS.access);
        return token === null ? {} : { authorization: `Bearer ${token}` };
      },
    });
    return socket;
  }
  function closeSocket() {
    if (socket !== null) socket.dispose();
    socket = null;
  }

  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const signingUp = event.submitter !== null && event.submitter.value === 'signup';
    const form = new FormData(event.target);
    setStatus(signingUp ? 'Signing up…' : 'Logging in…');
    const variables = { email: form.get('email'), password: form.get('password') };
    try {
      const response = await post({ query: signingUp ? SIGN_UP : LOGIN, variables });
      const body = await response.json();
      const payload = body.data && (signingUp ? body.data.signUp : body.data.login);
      if (payload) {
        event.target.reset();
        signIn(payload);
      } else {
        setStatus(body.errors && body.errors[0] ? body.errors[0].message : signingUp ? 'Sign-up failed.' : 'Login failed.');
      }
    } catch {
      setStatus('The server did not answer.');
    }
  });

  // Forgot password: mail a reset link, then paste its token (in development the mail is
  // at /dev/mail) with a new password; resetPassword's answer signs in.
  function closeForgot() {
    $('forgot-panel').hidden = true;
    $('reset-password').hidden = true;
    $('reset-request').reset();
    $('reset-password').reset();
  }

  $('forgot').addEventListener('click', async () => {
    $('forgot-panel').hidden = false;
    $('login').hidden = true;
    const email = new FormData($('login')).get('email');
    if (email) $('reset-request').elements.email.value = email;
    setStatus();
    // /dev/mail exists only in development without SMTP_URL: link it only when it answers.
    const devMail = await fetch('/dev/mail.json', { method: 'GET' }).catch(() => null);
    $('dev-mail').hidden = !(devMail && devMail.ok);
  });

  $('forgot-cancel').addEventListener('click', () => {
    closeForgot();
    show();
  });

  $('reset-request').addEventListener('submit', async (event) => {
    event.preventDefault();
    setStatus('Sending…');
    try {
      const response = await post({ query: REQUEST_RESET, variables: { email: new FormData(event.target).get('email') } });
      const body = await response.json();
      if (body.data && body.data.requestPasswordReset) {
        $('reset-password').hidden = false;
        setStatus('If an account has this address, a reset link is on its way: paste its token below.');
      } else {
        setStatus(body.errors && body.errors[0] ? body.errors[0].message : 'The request failed.');
      }
    } catch {
      setStatus('The server did not answer.');
    }
  });

  $('reset-password').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    // The whole link may be pasted: the token is what follows "#token=".
    const token = String(form.get('token')).trim().replace(/^.*#token=/, '');
    setStatus('Setting the password…');
    try {
      const response = await post({ query: RESET, variables: { token, newPassword: form.get('newPassword') } });
      const body = await response.json();
      if (body.data && body.data.resetPassword) {
        closeForgot();
        signIn(body.data.resetPassword, 'Password reset: every other session has ended.');
      } else {
        setStatus(body.errors && body.errors[0] ? body.errors[0].message : 'The reset failed.');
      }
    } catch {
      setStatus('The server did not answer.');
    }
  });

  // The pending token expires like any access token: refreshed (still scope mfa) once.
  // Undefined when the login was cancelled meanwhile, null when the session has ended.
  async function refreshPending(current) {
    const response = await post({ query: REFRESH, variables: { refreshToken: current.refreshToken } });
    const body = await response.json();
    const payload = body.data && body.data.refreshToken;
    if (pending !== current) return undefined;
    pending = payload ? { accessToken: payload.accessToken, refreshToken: payload.refreshToken } : null;
    return pending;
  }

  $('mfa').addEventListener('submit', async (event) => {
    event.preventDefault();
    let current = pending;
    if (current === null) return;
    const code = String(new FormData(event.target).get('code')).trim();
    setStatus('Checking the code…');
    try {
      const verify = () => post({ query: VERIFY_MFA, variables: { code } }, current.accessToken);
      let response = await verify();
      if (response.status === 401 && pending === current && (await reasonOf(response)) === 'TOKEN_EXPIRED') {
        const refreshed = await refreshPending(current);
        if (refreshed === undefined) return;
        if (refreshed === null) {
          show(SESSION_ENDED);
          return;
        }
        current = refreshed;
        response = await verify();
      }
      if (pending !== current) return;
      if (response.status === 401) {
        pending = null;
        show(SESSION_ENDED);
        return;
      }
      const body = await response.json();
      if (pending !== current) return;
      if (body.data && body.data.verifyMfa) {
        pending = null;
        save(body.data.verifyMfa);
      } else {
        setStatus(errorText(body, 'The code was refused.'));
        $('mfa-code').value = '';
        $('mfa-code').focus();
      }
    } catch {
      setStatus('The server did not answer.');
    }
  });

  // Cancel ends the pending session on the server too (logout accepts the mfa token).
  $('mfa-cancel').addEventListener('click', async () => {
    const current = pending;
    pending = null;
    show('Login cancelled.');
    if (current !== null) await post({ query: LOGOUT }, current.accessToken).catch(() => undefined);
  });

  $('reauth').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const variables = { password: form.get('password') };
    if (!$('reauth-code').hidden) variables.code = String(form.get('code')).trim();
    setStatus('Confirming…');
    try {
      const response = await graphql(REAUTHENTICATE, variables);
      if (store.getItem(KEYS.user) === null) return;
      const body = await response.json();
      if (body.data && body.data.reauthenticate) {
        closeReauth();
        save(body.data.reauthenticate);
        setStatus('Confirmed: run the operation again.');
      } else {
        setStatus(errorText(body, 'The confirmation failed.'));
        const extensions = (body.errors && body.errors[0] && body.errors[0].extensions) || {};
        // Clear what was refused; a refused password leaves the code unspent.
        if (extensions.reason === 'INVALID_CREDENTIALS') $('reauth-password').value = '';
        if (extensions.reason === 'MFA_CODE_INVALID') $('reauth-code').value = '';
        // MFA turned on since the form opened: the server asks for the code.
        if (extensions.field === 'code') showReauthCode(true);
      }
    } catch {
      setStatus('The server did not answer.');
    }
  });

  $('reauth-cancel').addEventListener('click', () => {
    closeReauth();
    setStatus();
  });

  $('logout').addEventListener('click', async () => {
    const token = store.getItem(KEYS.access);
    if (token !== null) await post({ query: LOGOUT }, token).catch(() => undefined);
    forget('Logged out.');
  });

  show();
  const fetcher = GraphiQL.createFetcher({
    url: ENDPOINT,
    fetch: authenticatedFetch,
    // Subscription operations go here; GraphiQL sends queries and mutations over HTTP.
    wsClient: {
      subscribe: (payload, sink) =>
        openSocket().subscribe(payload, {
          next: (value) => {
            setStatus();
            sink.next(value);
          },
          error: (error) => sink.error(error),
          complete: () => sink.complete(),
        }),
    },
  });
  ReactDOM.createRoot($('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery:
        '# Log in or sign up above; your requests then carry your access token.\n' +
        '# Subscriptions run over WebSocket: try `subscription { postPublished { id title } }`.\n\n' +
        'query Me {\n  me {\n    id\n    email\n    role\n  }\n}\n',
    }),
  );
})();
