// SPDX-License-Identifier: MIT
// An independent OpenID provider for Lanyard's interop test: the npm package `oidc-provider`
// (pinned in tests/interop/package.json), set up like Microsoft Entra ID as a test fixture:
//   - issuer http://127.0.0.1:<port>/<tenant>/v2.0, discovery at <issuer>/.well-known/openid-configuration
//   - one public native client for Lanyard: PKCE S256 required, no client secret, loopback
//     redirect URI on any port (RFC 8252 §7.3; oidc-provider ignores the port of loopback
//     redirect URIs for native clients), refresh tokens with offline_access, RFC 7009 revocation
//   - its own development login and consent pages (any login, any password) are the "browser" part.
// Binds 127.0.0.1 on a port the system picks (or --port N). Prints one JSON line with the issuer
// once listening, then one JSON line per request ({"event":"request","method":..,"path":..}; the
// path only, never a query or body). Stops on SIGTERM/SIGINT or when stdin closes.
//
// Options: --client-id ID  --tenant GUID  --port N
//          --wrong-keys    serve a JWKS whose key has the signing key's kid but another modulus
//                          (a signature check against the published keys must fail)
import crypto from 'node:crypto';
import http from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const clientId = option('client-id', 'lanyard-interop');
const tenant = option('tenant', '3c1f6b2a-8d4e-4f6a-9b7c-2e5d1a0f9c84');
const port = Number(option('port', '0'));
const wrongKeys = process.argv.includes('--wrong-keys');
const prefix = `/${tenant}/v2.0`;

function rsaJwk(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

const signingKey = rsaJwk('interop-rs256');
// Same kid, another key: what a client sees when the published keys do not match the signature.
const impostorPublic = wrongKeys
  ? (() => {
    const { n, e, kid, alg, use, kty } = rsaJwk(signingKey.kid);
    return { kty, n, e, kid, alg, use };
  })()
  : undefined;

// The people who can sign in: any login works (development pages); these have names.
const people = {
  'grace@interop.example': { name: 'Grace Hopper' },
  'alan@interop.example': { name: 'Alan Turing' },
};

const server = http.createServer();

server.listen(port, '127.0.0.1', () => {
  const actualPort = server.address().port;
  const issuer = `http://127.0.0.1:${actualPort}${prefix}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    // Like Entra: the profile claims are in the ID token itself.
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
    },
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 120, Interaction: 600, Session: 3600, Grant: 3600,
      RefreshToken: 86400 },
    async findAccount(_ctx, sub) {
      const person = people[sub] ?? { name: `Somebody (${sub})` };
      return {
        accountId: sub,
        async claims() {
          return { sub, name: person.name, preferred_username: sub, email: sub };
        },
      };
    },
  });
  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`oidc-provider server_error: ${err.message}\n`);
  });
  const callback = provider.callback();

  server.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    process.stdout.write(`${JSON.stringify({ event: 'request', method: req.method, path })}\n`);
    if (wrongKeys && path === `${prefix}/jwks`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [impostorPublic] }));
      return;
    }
    if (!req.url.startsWith(`${prefix}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    // Mounted under the tenant path, the way express mounts it (oidc-provider reads originalUrl).
    req.originalUrl = req.url;
    req.url = req.url.slice(prefix.length);
    callback(req, res);
  });

  process.stdout.write(`${JSON.stringify({ event: 'listening', issuer, port: actualPort, clientId, tenant })}\n`);
});

function stop() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
