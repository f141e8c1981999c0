import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The GraphQL IDE served by Gatehouse itself: GraphiQL 3's browser build with React 18
// and graphql-ws's browser client (subscriptions), from node_modules, and a small login
// and sign-up bar of our own (which also asks for the second factor and for step-up).
// Every file comes from this server, so it works with no internet access and under a
// strict Content-Security-Policy.

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const OWN = fileURLToPath(new URL('../../ide/', import.meta.url));

/** The files the page loads, by the name under /ide/. */
export const IDE_ASSETS: Readonly<Record<string, { path: string; type: string }>> = {
  'react.production.min.js': { path: join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { path: join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.min.js': { path: join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { path: join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
  'graphql-ws.min.js': { path: join(packageDir('graphql-ws'), 'umd/graphql-ws.min.js'), type: 'text/javascript' },
  'ide.js': { path: join(OWN, 'ide.js'), type: 'text/javascript' },
  'ide.css': { path: join(OWN, 'ide.css'), type: 'text/css' },
};

/**
 * The page's policy: scripts and styles from this origin only (GraphiQL sets inline
 * style attributes, hence 'unsafe-inline' for styles), requests to this origin only.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const IDE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse · GraphQL IDE</title>
<link rel="stylesheet" href="/ide/graphiql.min.css">
<link rel="stylesheet" href="/ide/ide.css">
</head>
<body>
<header id="session">
  <strong>Gatehouse</strong>
  <form id="login" autocomplete="on">
    <input name="email" type="email" placeholder="email" autocomplete="username" required>
    <input name="password" type="password" placeholder="password" autocomplete="current-password" required>
    <button type="submit" value="login">Log in</button>
    <button type="submit" value="signup">Sign up</button>
    <button type="button" id="forgot">Forgot password</button>
  </form>
  <div id="forgot-panel" hidden>
    <form id="reset-request">
      <input name="email" type="email" placeholder="email" autocomplete="username" required>
      <button type="submit">Send reset link</button>
    </form>
    <form id="reset-password" hidden>
      <input name="token" placeholder="token (or link) from the mail" autocomplete="off" required>
      <input name="newPassword" type="password" placeholder="new password" autocomplete="new-password" required>
      <button type="submit">Set password</button>
    </form>
    <a id="dev-mail" href="/dev/mail" target="_blank" rel="noopener" hidden>/dev/mail</a>
    <button type="button" id="forgot-cancel">Cancel</button>
  </div>
  <form id="mfa" hidden>
    <label for="mfa-code">Authenticator or recovery code</label>
    <input id="mfa-code" name="code" autocomplete="one-time-code" spellcheck="false" maxlength="64" required>
    <button type="submit">Verify</button>
    <button type="button" id="mfa-cancel">Cancel</button>
  </form>
  <span id="who" hidden></span>
  <form id="reauth" hidden>
    <span>Confirm it's you:</span>
    <label for="reauth-password">Password</label>
    <input id="reauth-password" name="password" type="password" autocomplete="current-password" required>
    <label for="reauth-code" class="reauth-code">Code</label>
    <input id="reauth-code" class="reauth-code" name="code" autocomplete="one-time-code" spellcheck="false" maxlength="64">
    <button type="submit">Confirm</button>
    <button type="button" id="reauth-cancel">Cancel</button>
  </form>
  <button id="logout" type="button" hidden>Log out</button>
  <span id="status" role="status"></span>
</header>
<div id="graphiql">Loading…</div>
<script src="/ide/react.production.min.js"></script>
<script src="/ide/react-dom.production.min.js"></script>
<script src="/ide/graphiql.min.js"></script>
<script src="/ide/graphql-ws.min.js"></script>
<script src="/ide/ide.js"></script>
</body>
</html>
`;

/** What a browser gets at /graphql when the IDE is off (no script, no style: the default CSP holds). */
export const IDE_OFF_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gatehouse · GraphQL</title></head>
<body>
<h1>Gatehouse GraphQL endpoint</h1>
<p>The GraphQL IDE is off on this server (the default when <code>NODE_ENV=production</code>).
Start the server with <code>ENABLE_PLAYGROUND=true</code> to serve it here.</p>
<p>GraphQL requests are answered at this address: <code>POST /graphql</code> with a JSON body.</p>
</body>
</html>
`;
