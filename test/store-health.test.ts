// `/healthz` tells a proxy whether this gateway can store a vote right now (issue 13 §5): it makes a
// real write on its database, so a full disk or a read-only database answers 503 with the
// reason, and the proxy takes the gateway out before residents are told "sorry".
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testGateway } from './helpers/gateway.ts';

/** Fills every free byte the database may still use, as a full disk would leave it. */
function fillUp(db: ReturnType<typeof testGateway>['db']): void {
  // SQLite's own size limit stands in for the disk: past it, a write that needs a page fails with SQLITE_FULL.
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, hex(randomblob(?)))');
  for (const size of [2000, 200, 20]) {
    for (let i = 0; ; i++) {
      try {
        insert.run(`filler-${size}-${i}`, size);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('SQLITE_FULL');
        break;
      }
    }
  }
}

describe('/healthz', () => {
  it('answers ok while the store can write, and leaves nothing behind', async () => {
    const gw = testGateway();
    const before = gw.db.prepare('PRAGMA page_count').pluck().get() as number;
    for (let i = 0; i < 5; i++) {
      const res = await request(gw.app).get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, gatewayId: 'gw-test' });
    }
    expect(gw.db.prepare("SELECT count(*) FROM meta WHERE key = 'health_probe_room'").pluck().get()).toBe(0);
    // The room tried for each probe is given back: probing does not grow the database.
    expect(gw.db.prepare('PRAGMA page_count').pluck().get() as number).toBeLessThanOrEqual(before + 17);
  });

  it('answers 503 store-full when the database cannot grow (a full disk)', async () => {
    const gw = testGateway();
    fillUp(gw.db);
    const res = await request(gw.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ok: false, gatewayId: 'gw-test', reason: 'store-full' });
    expect(res.body.message).toMatch(/cannot grow: database or disk is full/);
    expect(gw.logs.text()).toMatch(/"reason":"store-full"/);
  });

  it('answers 503 store-read-only when the database refuses writes', async () => {
    const gw = testGateway();
    gw.db.pragma('query_only = ON');
    const res = await request(gw.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ok: false, reason: 'store-read-only' });
    gw.db.pragma('query_only = OFF');
    expect((await request(gw.app).get('/healthz')).status).toBe(200);
  });
});

describe('the gateway’s store', () => {
  it('keeps a 4 MB page cache, not better-sqlite3’s 16 MB (resident memory that grew with every vote)', () => {
    const gw = testGateway();
    expect(gw.db.pragma('cache_size', { simple: true })).toBe(-4096);
    gw.db.close();
  });
});
