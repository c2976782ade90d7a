import { describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../src/access/keys.js';
import { withTestHub } from './support/hub.js';

/**
 * Key checks are group-committed (src/access/keys.ts, KeyChecks): the requests of a moment share one
 * statement, and none is ever answered from an earlier check, so a revocation still counts at once.
 */
const hub = withTestHub();
const ME = '{ me { code } }';
const keyLookups = () => hub.database.statements.filter((s) => s.includes('from "api_key"')).length;

describe('key checks', () => {
  it('checks the keys of concurrent requests in fewer statements than requests', async () => {
    const water = await hub.key('WATER');
    const housing = await hub.key('HOUSING');
    await hub.graphql(water, ME);
    hub.database.statements.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => hub.graphql(i % 2 ? water : housing, ME)),
    );
    expect(answers.map((a) => a.body.data?.me.code)).toEqual(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? 'WATER' : 'HOUSING')),
    );
    expect(keyLookups()).toBeGreaterThan(0);
    expect(keyLookups()).toBeLessThan(40);
  });

  it('refuses a key on the first request after its revocation, however many requests are in flight', async () => {
    const { id, key } = await createKey(hub.database.db, 'WATER', 'to revoke under load');
    const other = await hub.key('HOUSING');
    // Requests in flight all the time, from another key and from this one.
    let running = true;
    const background = (async () => {
      while (running) await Promise.all([hub.graphql(other, ME), hub.graphql(key, ME)]);
    })();
    expect((await hub.graphql(key, ME)).status).toBe(200);
    expect(await revokeKey(hub.database.db, id)).toEqual({ outcome: 'REVOKED' });
    const after = await Promise.all(Array.from({ length: 20 }, () => hub.graphql(key, ME)));
    const others = await Promise.all(Array.from({ length: 20 }, () => hub.graphql(other, ME)));
    running = false;
    await background;
    expect(after.map((a) => a.status)).toEqual(Array(20).fill(401));
    expect(after[0].body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(others.map((a) => a.body.data?.me.code)).toEqual(Array(20).fill('HOUSING'));
  });

  it('answers each request of a shared check for its own key: unknown keys fail alone', async () => {
    const planning = await hub.key('PLANNING');
    const answers = await Promise.all([
      hub.graphql(planning, ME),
      hub.graphql('jt_not-a-key', ME),
      hub.graphql(planning, ME),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 401, 200]);
    expect(answers[0].body.data.me.code).toBe('PLANNING');
  });
});
