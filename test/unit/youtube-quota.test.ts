/**
 * Quota ledger: prices per call in both cost profiles, check-before-call, parking, persistence
 * across restarts, and the daily reset at midnight America/Los_Angeles across DST changes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BASE_COSTS, formatPacific, nextPacificMidnight, pacificDay, QuotaLedger, QuotaParkedError, type YouTubeOp,
} from '../../main/youtube/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tapedeck-quota-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbPath = () => join(dir, `quota-${n++}.sqlite`);

function clockAt(ms: number) {
  let t = ms;
  return { now: () => t, set: (v: number) => { t = v; } };
}

const EXPECTED: Record<YouTubeOp, number> = {
  'videos.list': 1, 'videos.update': 50, 'videos.delete': 50, 'thumbnails.set': 50,
  'playlists.list': 1, 'playlists.insert': 50, 'playlists.update': 50, 'playlists.delete': 50,
  'playlistItems.list': 1, 'playlistItems.insert': 50, 'playlistItems.update': 50, 'playlistItems.delete': 50,
  'channels.list': 1, 'videos.insert': 1600,
};

describe('quota ledger', () => {
  it('charges the documented units per call type (shared-1600 profile)', () => {
    const q = new QuotaLedger({ path: dbPath(), profile: 'shared-1600' });
    let units = 0;
    for (const [op, cost] of Object.entries(EXPECTED) as Array<[YouTubeOp, number]>) {
      const c = q.charge('p', op);
      assert.equal(c.units, cost, op);
      assert.equal(c.bucket, 'units', op);
      units += cost;
      assert.equal(q.status('p').units, units, `running total after ${op}`);
    }
    assert.equal(q.status('p').uploads, 0);
    assert.equal(q.calls('p').length, Object.keys(EXPECTED).length);
    q.close();
  });

  it('counts videos.insert in its own 100-per-day bucket (separate-100 profile)', () => {
    const q = new QuotaLedger({ path: dbPath(), profile: 'separate-100' });
    const c = q.charge('p', 'videos.insert');
    assert.deepEqual([c.bucket, c.units], ['uploads', 1]);
    for (const op of Object.keys(BASE_COSTS) as YouTubeOp[]) assert.equal(q.charge('p', op).units, EXPECTED[op], op);
    const s = q.status('p');
    assert.equal(s.uploads, 1);
    assert.equal(s.units, Object.values(BASE_COSTS).reduce((a, b) => a + b, 0));
    for (let i = 1; i < 100; i++) q.charge('p', 'videos.insert');
    assert.throws(() => q.charge('p', 'videos.insert'), QuotaParkedError);
    // The shared bucket is unaffected by a full upload bucket.
    assert.equal(q.charge('p', 'videos.list').units, 1);
    q.close();
  });

  it('refuses locally, without charging, a call that would not fit', () => {
    const clock = clockAt(Date.UTC(2026, 10, 21, 20, 0, 0)); // 12:00 PST
    const q = new QuotaLedger({ path: dbPath(), clock: clock.now });
    for (let i = 0; i < 6; i++) q.charge('p', 'videos.insert'); // 9600
    assert.throws(() => q.charge('p', 'videos.insert'), (e: unknown) => {
      assert.ok(e instanceof QuotaParkedError);
      assert.equal(e.until, Date.UTC(2026, 10, 22, 8, 0, 0));
      assert.match(e.message, /needs 1600 units but 9600 of 10000 are spent today \(2026-11-21 Pacific\).*parked until 2026-11-22 00:00 PST/);
      return true;
    });
    assert.equal(q.status('p').units, 9600, 'the refused call was not charged');
    q.charge('p', 'videos.update'); // smaller calls still fit
    assert.equal(q.status('p').units, 9650);
    assert.equal(q.status('other').units, 0, 'projects are separate');
    q.close();
  });

  it('parks a project after quotaExceeded until the next Pacific midnight, and remembers it after a restart', () => {
    const clock = clockAt(Date.UTC(2026, 10, 21, 20, 0, 0));
    const path = dbPath();
    const q = new QuotaLedger({ path, clock: clock.now });
    q.charge('p', 'videos.list');
    const err = q.park('p', 'videos.insert');
    assert.match(err.message, /parked until 2026-11-22 00:00 PST/);
    assert.throws(() => q.charge('p', 'videos.list'), QuotaParkedError, 'shared bucket parked: every call refused');
    q.charge('p2', 'videos.list');
    q.close();

    const q2 = new QuotaLedger({ path, clock: clock.now });
    assert.throws(() => q2.charge('p', 'playlistItems.insert'), QuotaParkedError);
    assert.equal(q2.status('p').units, 1, 'usage survived the restart');
    assert.equal(q2.status('p').parked.units?.until, Date.UTC(2026, 10, 22, 8, 0, 0));
    clock.set(Date.UTC(2026, 10, 22, 7, 59, 59));
    assert.throws(() => q2.charge('p', 'videos.list'), QuotaParkedError);
    clock.set(Date.UTC(2026, 10, 22, 8, 0, 0));
    assert.equal(q2.charge('p', 'videos.list').day, '2026-11-22');
    assert.equal(q2.status('p').units, 1, 'a new day starts from zero');
    q2.close();
  });

  it('in separate-100, quotaExceeded on videos.insert parks only the upload bucket', () => {
    const q = new QuotaLedger({ path: dbPath(), profile: 'separate-100' });
    q.park('p', 'videos.insert');
    assert.throws(() => q.charge('p', 'videos.insert'), (e: unknown) => e instanceof QuotaParkedError && e.bucket === 'uploads');
    assert.equal(q.charge('p', 'videos.update').units, 50);
    q.unpark('p');
    assert.equal(q.charge('p', 'videos.insert').units, 1);
    q.close();
  });

  it('counts uploads per project and Pacific day in both profiles, not only from the uploads bucket', () => {
    const clock = clockAt(Date.UTC(2026, 10, 21, 20, 0, 0)); // 12:00 PST
    for (const profile of ['shared-1600', 'separate-100'] as const) {
      const q = new QuotaLedger({ path: dbPath(), profile, clock: clock.now });
      clock.set(Date.UTC(2026, 10, 21, 20, 0, 0));
      q.charge('p', 'videos.insert');
      const refunded = q.charge('p', 'videos.insert');
      q.refund(refunded); // a 401 Google never billed: not an upload
      q.charge('p', 'thumbnails.set');
      q.charge('other', 'videos.insert');
      const s = q.status('p');
      assert.equal(s.videosInserted, 1, `${profile}: the one billed insert is counted`);
      assert.equal(s.units, profile === 'shared-1600' ? 1650 : 50, `${profile}: units`);
      assert.equal(s.uploads, profile === 'shared-1600' ? 0 : 1, `${profile}: the uploads bucket only pays in separate-100`);
      clock.set(Date.UTC(2026, 10, 22, 8, 0, 0)); // next Pacific midnight
      assert.equal(q.status('p').videosInserted, 0, `${profile}: a new Pacific day starts from zero`);
      q.close();
    }
  });

  it('refund gives back a charge exactly once', () => {
    const q = new QuotaLedger({ path: dbPath() });
    const c = q.charge('p', 'videos.insert');
    q.charge('p', 'videos.list');
    q.refund(c);
    q.refund(c);
    assert.equal(q.status('p').units, 1);
    q.close();
  });

  it('resets at Pacific midnight across the spring-forward change (23-hour day)', () => {
    // 2026-03-08: clocks go from 02:00 PST to 03:00 PDT.
    const clock = clockAt(Date.UTC(2026, 2, 8, 7, 30, 0)); // 2026-03-07 23:30 PST
    const q = new QuotaLedger({ path: dbPath(), clock: clock.now, dailyUnits: 100 });
    assert.equal(pacificDay(clock.now()), '2026-03-07');
    q.charge('p', 'videos.update');
    q.charge('p', 'videos.update');
    assert.throws(() => q.charge('p', 'videos.list'), (e: unknown) => e instanceof QuotaParkedError && e.until === Date.UTC(2026, 2, 8, 8, 0, 0));
    clock.set(Date.UTC(2026, 2, 8, 8, 0, 0)); // 2026-03-08 00:00 PST
    assert.equal(q.charge('p', 'videos.update').day, '2026-03-08');
    q.charge('p', 'videos.update');
    assert.throws(() => q.charge('p', 'videos.list'), (e: unknown) => {
      assert.ok(e instanceof QuotaParkedError);
      // The next midnight is in PDT, 23 hours later.
      assert.equal(e.until, Date.UTC(2026, 2, 9, 7, 0, 0));
      assert.equal(e.until - Date.UTC(2026, 2, 8, 8, 0, 0), 23 * 3600_000);
      assert.match(e.message, /parked until 2026-03-09 00:00 PDT/);
      return true;
    });
    clock.set(Date.UTC(2026, 2, 9, 6, 59, 59));
    assert.throws(() => q.charge('p', 'videos.list'), QuotaParkedError, 'still 2026-03-08 in Los Angeles');
    clock.set(Date.UTC(2026, 2, 9, 7, 0, 0));
    assert.equal(q.charge('p', 'videos.list').day, '2026-03-09');
    q.close();
  });

  it('resets at Pacific midnight across the fall-back change (25-hour day)', () => {
    // 2026-11-01: clocks go from 02:00 PDT back to 01:00 PST.
    const startOfDay = Date.UTC(2026, 10, 1, 7, 0, 0); // 2026-11-01 00:00 PDT
    const clock = clockAt(startOfDay + 3600_000);
    const q = new QuotaLedger({ path: dbPath(), clock: clock.now });
    const park = q.park('p', 'videos.list');
    assert.equal(park.until, Date.UTC(2026, 10, 2, 8, 0, 0));
    assert.equal(park.until - startOfDay, 25 * 3600_000);
    assert.match(park.message, /parked until 2026-11-02 00:00 PST/);
    clock.set(Date.UTC(2026, 10, 2, 7, 30, 0)); // 23:30 PST, still Nov 1 although 24.5 h passed
    assert.equal(pacificDay(clock.now()), '2026-11-01');
    assert.throws(() => q.charge('p', 'videos.list'), QuotaParkedError);
    clock.set(Date.UTC(2026, 10, 2, 8, 0, 0));
    assert.equal(q.charge('p', 'videos.list').day, '2026-11-02');
    q.close();
  });

  it('pacific helpers agree on day boundaries', () => {
    assert.equal(nextPacificMidnight(Date.UTC(2026, 6, 4, 6, 59, 59)), Date.UTC(2026, 6, 4, 7, 0, 0));
    assert.equal(nextPacificMidnight(Date.UTC(2026, 6, 4, 7, 0, 0)), Date.UTC(2026, 6, 5, 7, 0, 0));
    assert.equal(formatPacific(Date.UTC(2026, 6, 4, 7, 0, 0)), '2026-07-04 00:00 PDT');
    assert.equal(pacificDay(Date.UTC(2026, 0, 1, 7, 59, 59)), '2025-12-31');
  });

  it('check-and-charge is atomic across connections sharing the file (as two processes would)', () => {
    const path = dbPath();
    const a = new QuotaLedger({ path, dailyUnits: 100 });
    const b = new QuotaLedger({ path, dailyUnits: 100 });
    let ok = 0;
    for (let i = 0; i < 10; i++) {
      for (const q of [a, b]) {
        try {
          q.charge('p', 'videos.update');
          ok++;
        } catch (e) {
          assert.ok(e instanceof QuotaParkedError);
        }
      }
    }
    assert.equal(ok, 2);
    assert.equal(a.status('p').units, 100);
    a.close();
    b.close();
  });
});
