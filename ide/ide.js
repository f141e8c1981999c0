// The Gatehouse GraphQL IDE: GraphiQL with a login, sign-up and password-reset bar. Tokens live in
// sessionStorage (this tab only); every request carries the access token, and a
// TOKEN_EXPIRED answer is refreshed once (one refresh in flight however many requests
// fail) and retried. Subscriptions go over graphql-ws, the token in connection_init.
(() => {
  'use strict';
  const ENDPOINT = '/graphql';
  const SOCKET_URL = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${ENDPOINT}`;
  const KEYS = { access: 'gatehouse.accessToken', refresh: 'gatehouse.refreshToken', user: 'gatehouse.user' };
  const PAYLOAD = 'accessToken refreshToken user { id email role }';
  const LOGIN = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD} } }`;
  const SIGN_UP = `mutation SignUp($email: String!, $password: String!) { signUp(email: $email, password: $password) { ${PAYLOAD} } }`;
  const REFRESH = `mutation Refresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${PAYLOAD} } }`;
  const LOGOUT = 'mutation Logout { logout }';
  const REQUEST_RESET = 'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }';
  const RESET = `mutation ResetPassword($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) { ${PAYLOAD} } }`;
  const SESSION_ENDED = 'Your session has ended. Log in again.';

  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;

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
    $('login').hidden = user !== null;
    if (user !== null) closeForgot();
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
    const send = () => {
      const token = store.getItem(KEYS.access);
      const headers = { ...(init.headers || {}) };
      if (token !== null && !('authorization' in headers) && !('Authorization' in headers)) {
        headers.authorization = `Bearer ${token}`;
      }
      return fetch(url, { ...init, headers });
    };
    let response = await send();
    if (response.status === 401) {
      const reason = await reasonOf(response);
      if (reason === 'TOKEN_EXPIRED' && (await refresh())) response = await send();
      else if (reason === 'SESSION_REVOKED' || reason === 'TOKEN_INVALID') forget(SESSION_ENDED);
    }
    if (response.ok) setStatus();
    return response;
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
        save(payload);
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
        save(body.data.resetPassword);
        setStatus('Password reset: every other session has ended.');
      } else {
        setStatus(body.errors && body.errors[0] ? body.errors[0].message : 'The reset failed.');
      }
    } catch {
      setStatus('The server did not answer.');
    }
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
