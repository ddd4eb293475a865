// panva's oidc-provider as a general-purpose OpenID Provider for Sesame's
// end-to-end tests. The Go test (e2e/op_test.go) starts it with one JSON
// document in SESAME_OP_CONFIG:
//
//   {
//     "port": 41234,                 // a free port on 127.0.0.1
//     "clients": [ {...} ],          // client metadata, as a registration has it
//     "requirePAR": false,           // require_pushed_authorization_requests for every client
//     "accessTokenFormat": "opaque"  // or "jwt": RFC 9068 access tokens for Resource
//     "resource": "https://api.example" // the resource server of "jwt" access tokens
//   }
//
// and reads one line on stdout, "ready <issuer>", before it talks to it. Every
// later line is a log of what the provider did (back-channel logouts sent or
// failed, server errors), for the test's failure messages.
//
// Users: any login at the development login page (devInteractions) signs in
// the account of that name; its email is <login>@example.org. Consent is
// given once and for all (a first-party provider), so a login is one form.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.SESAME_OP_CONFIG ?? '{}');
const issuer = `http://127.0.0.1:${cfg.port}`;

// signingKey returns a fresh private JWK: the provider's keys live as long as
// the process, as a test's provider should.
function signingKey(type, options, kid, alg) {
  const jwk = generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return { ...jwk, kid, alg, use: 'sig' };
}

const scopes = ['openid', 'offline_access', 'email', 'profile', 'api:read', 'api:write'];

// grantEverything gives the account's consent to everything a first-party
// client asks: the scopes, the claims and the resource of the request.
async function grantEverything(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!grant) {
    if (!oidc.session.accountId) return undefined;
    grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  }
  grant.addOIDCScope(scopes.filter((s) => !s.startsWith('api:')).join(' '));
  grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'acr', 'auth_time']);
  if (cfg.resource) grant.addResourceScope(cfg.resource, 'api:read api:write');
  await grant.save();
  return grant;
}

const configuration = {
  clients: cfg.clients ?? [],
  jwks: {
    keys: [
      signingKey('rsa', { modulusLength: 2048 }, 'rs-1', 'RS256'),
      signingKey('ec', { namedCurve: 'P-256' }, 'es-1', 'ES256'),
    ],
  },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: `${id}@example.org`, email_verified: true,
          name: `${id} Martin`, given_name: id, family_name: 'Martin',
        };
      },
    };
  },
  loadExistingGrant: grantEverything,
  // A refresh token to every client allowed the grant (as Keycloak and most
  // providers do), without offline_access's consent prompt; rotated at each use.
  async issueRefreshToken(_ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: true },
    claimsParameter: { enabled: true },
    backchannelLogout: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: Boolean(cfg.requirePAR) },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>Logout</title></head><body>
${form}<button id="op-logout" type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></body></html>`;
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = '<!doctype html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><p id="op-signed-out">Signed out</p></body></html>';
      },
    },
    resourceIndicators: {
      enabled: Boolean(cfg.resource),
      defaultResource: () => cfg.resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => ({
        scope: 'api:read api:write',
        audience: resource,
        accessTokenFormat: cfg.accessTokenFormat === 'jwt' ? 'jwt' : 'opaque',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  // The tests' apps listen on loopback: let back-channel logouts reach them
  // (the provider refuses special-use addresses by default, against SSRF).
  async fetch(url, options) {
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
};

const provider = new Provider(issuer, configuration);
provider.on('backchannel.success', (_ctx, client, accountId, sid) => {
  console.log(`backchannel.success client=${client.clientId} sub=${accountId} sid=${sid}`);
});
provider.on('backchannel.error', (_ctx, err, client) => {
  console.log(`backchannel.error client=${client.clientId} ${err.message}`);
});
provider.on('server_error', (_ctx, err) => console.log(`server_error ${err.stack}`));

const server = createServer(provider.callback());
server.listen(cfg.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
