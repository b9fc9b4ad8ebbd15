// The OpenID Connect provider of the sign-in tests: panva's oidc-provider (OpenID Certified), on
// 127.0.0.1, with its users, groups and one client from the environment (tests/support/oidc_server.py
// starts it). Only the login page is ours: oidc-provider leaves that to the application; consent is
// granted for the client's own scopes, as an organisation's IdP does for its first-party apps.
//
// Environment: OIDC_PORT, OIDC_CLIENT (JSON: client_id, client_secret, redirect_uris), OIDC_USERS (JSON:
// {login: {password, given_name, family_name, email, groups}}). Prints "ready <issuer>" when it listens.
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const users = JSON.parse(process.env.OIDC_USERS);
const client = JSON.parse(process.env.OIDC_CLIENT);

// Azure AD's ID token names the user by `oid` and `upn` and carries app roles in `roles`; Flask-AppBuilder's
// `azure` provider reads exactly those, so this provider issues them too (and `groups` for other IdPs).
function claimsOf(login) {
  const user = users[login];
  return {
    sub: login, oid: login, upn: user.email, preferred_username: login, email: user.email,
    email_verified: true, given_name: user.given_name, family_name: user.family_name,
    name: `${user.given_name} ${user.family_name}`, groups: user.groups, roles: user.groups,
  };
}

const provider = new Provider(issuer, {
  clients: [{ ...client, grant_types: ['authorization_code'], response_types: ['code'],
              token_endpoint_auth_method: 'client_secret_post' }],
  claims: { openid: ['sub', 'oid', 'upn', 'roles', 'groups'],
            profile: ['given_name', 'family_name', 'name', 'preferred_username'],
            email: ['email', 'email_verified'] },
  conformIdTokenClaims: false,  // the profile and email claims in the ID token, as Azure AD does
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => false },
  async findAccount(ctx, id) {
    return users[id] ? { accountId: id, claims: async () => claimsOf(id) } : undefined;
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (uid, message) => `<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Logga in</title></head><body><h1>Logga in</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}"><label>Användarnamn <input name="login" id="login"
autocomplete="username"></label><label>Lösenord <input name="password" id="password" type="password"></label>
<button type="submit" id="submit">Logga in</button></form></body></html>`;

async function formBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== match[1]) ctx.throw(400, 'unknown interaction');
  ctx.type = 'html';
  if (ctx.method === 'GET') {
    ctx.body = page(details.uid, '');
    return undefined;
  }
  const form = await formBody(ctx.req);
  const login = form.get('login') || '';
  if (!Object.hasOwn(users, login) || users[login].password !== form.get('password')) {
    ctx.status = 401;
    ctx.body = page(details.uid, 'Fel användarnamn eller lösenord.');
    return undefined;
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: login } });
  ctx.status = 303;
  ctx.redirect(to);
  return undefined;
});

provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
