// The Gatehouse GraphQL IDE: GraphiQL with a login bar. Tokens live in sessionStorage
// (this tab only); every request carries the access token, and a TOKEN_EXPIRED answer
// is refreshed once (one refresh in flight however many requests fail) and retried.
(() => {
  'use strict';
  const ENDPOINT = '/graphql';
  const KEYS = { access: 'gatehouse.accessToken', refresh: 'gatehouse.refreshToken', user: 'gatehouse.user' };
  const PAYLOAD = 'accessToken refreshToken user { id email role }';
  const LOGIN = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD} } }`;
  const REFRESH = `mutation Refresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${PAYLOAD} } }`;
  const LOGOUT = 'mutation Logout { logout }';

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
    store.setItem(KEYS.user, `${payload.user.email} (${payload.user.role})`);
    show();
  }

  function forget(message) {
    for (const key of Object.values(KEYS)) store.removeItem(key);
    show(message);
  }

  function show(message = '') {
    const user = store.getItem(KEYS.user);
    $('login').hidden = user !== null;
    $('who').hidden = user === null;
    $('logout').hidden = user === null;
    $('who').textContent = user === null ? '' : `Signed in as ${user}`;
    $('status').textContent = message;
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
      forget('Your session has ended. Log in again.');
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
    const response = await send();
    if (response.status !== 401) return response;
    const reason = await reasonOf(response);
    if (reason === 'TOKEN_EXPIRED' && (await refresh())) return send();
    if (reason === 'SESSION_REVOKED' || reason === 'TOKEN_INVALID') forget('Your session has ended. Log in again.');
    return response;
  }

  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    $('status').textContent = 'Logging in…';
    const response = await post({ query: LOGIN, variables: { email: form.get('email'), password: form.get('password') } });
    const body = await response.json();
    if (body.data && body.data.login) {
      event.target.reset();
      save(body.data.login);
    } else {
      show(body.errors && body.errors[0] ? body.errors[0].message : 'Login failed.');
    }
  });

  $('logout').addEventListener('click', async () => {
    const token = store.getItem(KEYS.access);
    if (token !== null) await post({ query: LOGOUT }, token).catch(() => undefined);
    forget('Logged out.');
  });

  show();
  const fetcher = GraphiQL.createFetcher({ url: ENDPOINT, fetch: authenticatedFetch });
  ReactDOM.createRoot($('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: '# Log in above; your requests then carry your access token.\n\nquery Me {\n  me {\n    id\n    email\n    role\n  }\n}\n',
    }),
  );
})();
