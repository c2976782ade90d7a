import { describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../src/access/keys.js';
import { withTestHub } from './support/hub.js';

const hub = withTestHub();

describe('API keys', () => {
  it('answers a live key with its principal', async () => {
    const key = await hub.key('110105');
    const response = await hub.graphql(key, '{ me { code kind nameZh } }');
    expect(response.status).toBe(200);
    expect(response.body.data.me).toEqual({ code: '110105', kind: 'DISTRICT', nameZh: '朝阳区' });
    expect(response.headers.get('x-request-id')).toMatch(/\S+/);
    expect(response.body.extensions?.requestId).toBe(response.headers.get('x-request-id'));
  });

  it.each([
    ['a missing key', undefined],
    ['an unknown key', 'jt_unknown'],
  ])('refuses %s with HTTP 401 UNAUTHENTICATED', async (_case, key) => {
    const response = await hub.graphql(key, '{ me { code } }');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/json/);
    expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.body.data).toBeUndefined();
  });

  it('refuses a revoked key', async () => {
    const { id, key } = await createKey(hub.database.db, 'WATER', 'to revoke');
    expect((await hub.graphql(key, '{ me { code } }')).status).toBe(200);
    expect(await revokeKey(hub.database.db, id)).toEqual({ outcome: 'REVOKED' });
    const response = await hub.graphql(key, '{ me { code } }');
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stores only a hash of the key', async () => {
    const { id, key } = await createKey(hub.database.db, 'HOUSING');
    const [row] = await hub.database.sql`select * from api_key where id = ${id}`;
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves health endpoints without a key', async () => {
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'up' });
  });

  it('serves the GraphiQL page to a browser without a key', async () => {
    const page = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
  });
});

describe('the request log', () => {
  const lines: string[] = [];
  const logged = withTestHub({ logDestination: { write: (line: string) => void lines.push(line) } });

  it('is JSON with the request id the client got, and never the API key', async () => {
    const key = await logged.key('HOUSING');
    const response = await logged.graphql(key, '{ me { code } }');
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    // pino-http writes the line when the response has finished, after the client has read it
    await expect.poll(() => lines.length).toBeGreaterThan(0);
    const entries = lines.map((line) => JSON.parse(line) as { req?: { id?: string; headers?: object } });
    const entry = entries.find((e) => e.req?.id === requestId);
    expect(entry?.req?.headers).toMatchObject({ authorization: '[redacted]' });
    expect(lines.join('\n')).not.toContain(key.slice(3));
  });
});
