/**
 * fMP4 → MPEG-TS remux at ingest: deterministic (same fragment → same bytes → same hash on every
 * node), keeps the fragment's timestamps, and salvages what it can from a cut-off fragment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { remuxFmp4ToTs, RemuxError } from '../../main/recorder/remux.ts';
import { getSegmentPool } from '../fakes/twitch/index.ts';
import { firstVideoFrame, withTempMedia } from '../fakes/twitch/test-helpers.ts';

test('remux: deterministic TS with the fragment\'s own timestamps; truncated input is salvaged', async () => {
  const pool = await getSegmentPool({ format: 'fmp4' });
  const init = pool.init!;
  const [a, b] = [pool.segments[1]!.data, pool.segments[2]!.data];
  const ts1 = await remuxFmp4ToTs(init, a);
  const ts2 = await remuxFmp4ToTs(init, a);
  assert.equal(hashBytes(ts1), hashBytes(ts2), 'same input, same bytes');
  assert.equal(ts1[0], 0x47);
  assert.equal(ts1.length % 188, 0);
  const tsB = await remuxFmp4ToTs(init, b);
  const [pa, pb] = await Promise.all([ts1, tsB].map((t) => withTempMedia([t], 'ts', firstVideoFrame)));
  assert.ok(pa!.keyFrame && pb!.keyFrame, 'each segment starts with a keyframe');
  assert.ok(Math.abs(pb!.ptsTime - pa!.ptsTime - pool.spec.segmentSeconds) < 0.05, 'timestamps continue from one segment to the next');

  const cut = a.subarray(0, Math.floor(a.length / 2));
  await assert.rejects(remuxFmp4ToTs(init, cut), RemuxError);
  const salvaged = await remuxFmp4ToTs(init, cut, { salvage: true });
  assert.ok(salvaged.length > 0 && salvaged.length < ts1.length, `partial output kept (${salvaged.length} of ${ts1.length})`);
  assert.equal((await remuxFmp4ToTs(init, Buffer.alloc(0), { salvage: true })).length, 0);
});
