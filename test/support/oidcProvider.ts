import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider ships no types (DefinitelyTyped's are not installed): the little used here is typed below.
// @ts-expect-error no declaration file
import { Provider } from 'oidc-provider';
import { afterAll, beforeAll } from 'vitest';

/**
 * An OpenID provider (oidc-provider) on a free loopback port, for the single sign-on tests: its clients and
 * accounts are the test's, and its interaction signs in whichever account the test names next
 * (`signInAs`), without a form, consenting to everything asked.
 */

export interface TestClient {
  client_id: string;
  /** None: a public client (token_endpoint_auth_method none, PKCE alone). */
  client_secret?: string;
  redirect_uris: string[];
}

export interface TestIdp {
  /** The issuer, http://127.0.0.1:PORT, set once it listens. */
  issuer: string;
  /** The account the next interaction signs in. */
  signInAs(account: string): void;
  /** Interactions finished so far. */
  interactions: number;
}

interface Interaction {
  params: { client_id: string; scope: string };
}

interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  Grant: new (init: {
    accountId: string;
    clientId: string;
  }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
}

/**
 * Starts the provider before the file's tests (its clients from `clients()`, asked then, so that they may
 * name the hubs' ports) and stops it after. `accounts` are the claims of each account by its id.
 */
export function withTestIdp(
  clients: () => TestClient[],
  accounts: Record<string, Record<string, unknown>>,
): TestIdp {
  let account = '';
  const idp: TestIdp = {
    issuer: '',
    signInAs: (next) => {
      account = next;
    },
    interactions: 0,
  };
  let provider: ProviderInstance;
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/interaction/')) {
      provider.callback()(req, res);
      return;
    }
    // The interaction: the account the test chose, signed in and consenting to what the client asked.
    void (async () => {
      const { params } = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: account, clientId: params.client_id });
      grant.addOIDCScope(params.scope);
      const grantId = await grant.save();
      idp.interactions += 1;
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    })().catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    idp.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    provider = new Provider(idp.issuer, {
      clients: clients().map((client) => ({
        ...client,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: client.client_secret ? 'client_secret_post' : 'none',
      })),
      jwks: { keys: [{ ...signing, use: 'sig', kid: 'test' }] },
      cookies: { keys: ['jingtu test idp cookies'] },
      ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
      features: { devInteractions: { enabled: false } },
      interactions: {
        url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
      },
      // jingtu_principal comes with the identity (in the ID token); groups and names at userinfo only
      claims: {
        openid: ['sub', 'jingtu_principal'],
        profile: ['name', 'preferred_username', 'groups'],
      },
      findAccount: (_ctx: unknown, sub: string) =>
        Object.hasOwn(accounts, sub)
          ? { accountId: sub, claims: () => ({ sub, ...accounts[sub] }) }
          : undefined,
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return idp;
}
