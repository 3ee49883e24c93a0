// A real OpenID Connect provider (panva's oidc-provider) for the template's tests, on 127.0.0.1.
//
// Its settings arrive as one JSON object on stdin, so the private keys never show in the
// process list. Once it listens it prints one line to stdout:
//   {"listening": <port>, "issuer": "<issuer>"}
// Every token is issued and signed by oidc-provider itself; this file only configures it:
// the issuer's path, the route names an IdP uses for its key set, the clients, the resource
// servers (RFC 8707) with the algorithm and lifetime of their JWT access tokens (RFC 9068),
// and the extra claims and header fields each client's tokens carry.
//
// settings = {
//   port: 0 | <port>, issuer_path: "" | "/realms/test" | "/" ...,
//   keys: [<private JWK>, ...]             the first key for an algorithm signs,
//   routes: {jwks: "/v1/keys", ...}        oidc-provider route names -> paths under the issuer,
//   jwks_aliases: ["/tenant/discovery/v2.0/keys"]   more paths (from the root) serving the key set,
//   resources: {<indicator>: {audience, scope, alg, ttl}},
//   clients: [{<client metadata>, access_token: {claims, header}, id_token: {claims}}]
// }
// In `claims` and `header`, null removes what oidc-provider put there.

import { randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const settings = JSON.parse(await readAll(process.stdin));
const clients = settings.clients ?? [];
const shapes = new Map(clients.map((client) => [client.client_id, client]));
const idTokenClaimNames = new Set(clients.flatMap((client) => Object.keys(client.id_token?.claims ?? {})));

let provider;
let handle;
let mountPath = '';
const server = http.createServer(serve);
server.on('error', (error) => {
  console.error(`oidc test provider: ${error.message}`);
  process.exit(1);
});
server.listen(settings.port ?? 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}${settings.issuer_path ?? ''}`;
  provider = createProvider(issuer);
  handle = provider.callback();
  mountPath = new URL(issuer).pathname.replace(/\/$/, '');
  process.stdout.write(`${JSON.stringify({ listening: port, issuer })}\n`);
});

function createProvider(issuer) {
  const created = new Provider(issuer, {
    clients: clients.map(({ access_token: _at, id_token: _id, ...metadata }) => metadata),
    jwks: { keys: settings.keys },
    routes: settings.routes ?? {},
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub', ...idTokenClaimNames] },
    conformIdTokenClaims: false,
    findAccount,
    interactions: { url: (ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo,
      },
    },
    formats: { customizers: { jwt: shapeAccessToken } },
  });
  created.on('server_error', (ctx, error) => console.error('oidc test provider:', error));
  return created;
}

function getResourceServerInfo(ctx, indicator) {
  const resource = settings.resources?.[indicator];
  if (!resource) {
    throw new errors.InvalidTarget(`no resource server ${indicator}`);
  }
  return {
    audience: resource.audience,
    scope: resource.scope,
    accessTokenTTL: resource.ttl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: resource.alg } },
  };
}

function shapeAccessToken(ctx, token, jwt) {
  const shape = shapes.get(token.clientId)?.access_token ?? {};
  jwt.payload = shaped(jwt.payload, shape.claims);
  jwt.header = shaped({}, shape.header);
}

function findAccount(ctx, accountId) {
  const shape = shapes.get(ctx.oidc.client?.clientId)?.id_token ?? {};
  return {
    accountId,
    claims: () => shaped({ sub: accountId }, shape.claims),
  };
}

function shaped(values, changes = {}) {
  const result = { ...values };
  for (const [name, value] of Object.entries(changes)) {
    result[name] = value === null ? undefined : value;
  }
  return result;
}

// The sign-in and consent an IdP would show, done without a page: the user named by the
// authorization request's login_hint signs in and grants what the client asked for.
async function finishInteraction(req, res) {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    if (!params.login_hint) {
      throw new errors.InvalidRequest('login_hint names the user who signs in');
    }
    await provider.interactionFinished(req, res, { login: { accountId: params.login_hint } });
    return;
  }
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) {
    grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  }
  if (prompt.details.missingOIDCClaims) {
    grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  }
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
}

function serve(req, res) {
  if (!provider) {
    res.writeHead(503).end();
    return;
  }
  const path = req.url.split('?')[0];
  if (settings.jwks_aliases?.includes(path)) {
    req.url = provider.pathFor('jwks');
  }
  if (path.startsWith(`${mountPath}/interaction/`)) {
    finishInteraction(req, res).catch((error) => {
      console.error('oidc test provider: interaction:', error);
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(error.message));
    });
    return;
  }
  if (mountPath) {
    if (!req.url.startsWith(`${mountPath}/`)) {
      res.writeHead(404).end();
      return;
    }
    req.originalUrl = req.url;
    req.url = req.url.slice(mountPath.length);
  }
  handle(req, res);
}

async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
