// SPDX-License-Identifier: MIT
//
// Independent check of lanyard-lab's tokens with software nobody on the project wrote: the npm
// `jose` package (installed in tests/interop/node_modules by scripts/install-deps.sh).
//
// Reads a JSON request on stdin (tokens are secrets: never on the command line):
//   {
//     "idpDiscovery": "<IdP>/<tenant>/v2.0/.well-known/openid-configuration",
//     "stsMetadata":  "<token service>/.well-known/oauth-authorization-server",
//     "checks": [ { "name": "...", "issuer": "idp" | "sts", "token": "<JWT>", "audience": "...",
//                   "tenant": "<tid expected for an {tenantid} issuer>", "typ": "at+jwt" (optional),
//                   "expect": "valid" | "invalid" } ]
//   }
// Fetches both metadata documents and their JWKS over HTTP, then runs jose's jwtVerify on every
// token with the issuer and audience given. Prints one JSON line per check and a summary line.
// Exit code: 0 all checks as expected, 1 some check not as expected, 2 setup failed.
//
// Usage: node tests/lab/jose/verify.mjs < request.json
//   LANYARD_JOSE_NODE_MODULES=<dir with node_modules/jose> overrides where jose is found.

import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';
import process from 'node:process';

const here = path.dirname(fileURLToPath(import.meta.url));
const modulesDir = process.env.LANYARD_JOSE_NODE_MODULES
  || path.resolve(here, '..', '..', 'interop', 'node_modules');

function fail(message) {
  console.log(JSON.stringify({ setup: 'failed', error: message }));
  process.exit(2);
}

let jose;
try {
  const require = createRequire(path.join(modulesDir, 'lanyard-resolve-anchor.js'));
  jose = await import(pathToFileURL(require.resolve('jose')).href);
} catch (e) {
  fail(`cannot load jose from ${modulesDir}: ${e.message}. Run scripts/install-deps.sh.`);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.json();
}

let request;
try {
  request = JSON.parse(await readStdin());
} catch (e) {
  fail(`stdin is not a JSON request: ${e.message}`);
}

const issuers = {};
const problems = [];
try {
  if (request.idpDiscovery) {
    const doc = await fetchJson(request.idpDiscovery);
    if (typeof doc.issuer !== 'string' || typeof doc.jwks_uri !== 'string')
      problems.push('IdP discovery lacks issuer or jwks_uri');
    if ('code_challenge_methods_supported' in doc)
      problems.push('IdP discovery lists code_challenge_methods_supported, which Entra does not');
    issuers.idp = { issuer: doc.issuer, keys: jose.createRemoteJWKSet(new URL(doc.jwks_uri)), algorithms: ['RS256'] };
  }
  if (request.stsMetadata) {
    const doc = await fetchJson(request.stsMetadata);
    if (!Array.isArray(doc.grant_types_supported)
        || !doc.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:token-exchange'))
      problems.push('token service metadata does not list the token-exchange grant');
    if (new URL(request.stsMetadata).origin !== new URL(doc.issuer).origin)
      problems.push('token service issuer is not the metadata host');
    issuers.sts = { issuer: doc.issuer, keys: jose.createRemoteJWKSet(new URL(doc.jwks_uri)), algorithms: ['ES256', 'RS256'] };
  }
} catch (e) {
  fail(`metadata: ${e.message}`);
}

let unexpected = problems.length;
for (const problem of problems) console.log(JSON.stringify({ metadata: 'problem', error: problem }));

for (const check of request.checks ?? []) {
  const target = issuers[check.issuer];
  const result = { name: check.name, expect: check.expect };
  try {
    if (!target) throw new Error(`no metadata for issuer kind "${check.issuer}"`);
    let issuer = target.issuer;
    if (issuer.includes('{tenantid}')) {
      // Entra's multi-tenant metadata: substitute the token's tid, and insist on the expected tenant.
      const tid = jose.decodeJwt(check.token).tid;
      if (typeof tid !== 'string' || tid !== check.tenant) throw new Error(`tid ${tid} is not the expected tenant`);
      issuer = issuer.replace('{tenantid}', tid);
    }
    const options = { issuer, audience: check.audience, algorithms: target.algorithms, clockTolerance: 60 };
    if (check.typ) options.typ = check.typ;
    const { payload, protectedHeader } = await jose.jwtVerify(check.token, target.keys, options);
    result.ok = true;
    result.kid = protectedHeader.kid;
    result.sub = payload.sub;
  } catch (e) {
    result.ok = false;
    result.error = `${e.code ?? e.name}: ${e.message}`;
  }
  result.asExpected = (result.ok ? 'valid' : 'invalid') === check.expect;
  if (!result.asExpected) unexpected += 1;
  console.log(JSON.stringify(result));
}

console.log(JSON.stringify({ summary: true, checks: (request.checks ?? []).length, unexpected }));
process.exit(unexpected === 0 ? 0 : 1);
