import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatDuration, formatHour, parseHour, parseSegmentPath, segmentFilename, segmentRelPath, US_PER_SECOND,
} from '../../main/media/segments/names.ts';
import { hashBytes } from '../../main/media/segments/hash.ts';

const EXAMPLE = 'desertbus/source/2019-11-13T02/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts';

test('parses the wubloader example path', () => {
  const s = parseSegmentPath(EXAMPLE);
  assert.equal(s.channel, 'desertbus');
  assert.equal(s.quality, 'source');
  assert.equal(s.hour, '2019-11-13T02');
  assert.equal(s.type, 'full');
  assert.equal(s.hash, '7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM', 'hash keeps its dashes (split at most 3 times)');
  assert.equal(s.start, Date.UTC(2019, 10, 13, 2, 45, 51) * 1000 + 608000);
  assert.equal(s.duration, 2 * US_PER_SECOND);
});

test('formats names that round-trip exactly', () => {
  const s = parseSegmentPath(EXAMPLE);
  assert.equal(segmentRelPath(s.channel, s.quality, s.start, 2, 'full', s.hash!), EXAMPLE);
  assert.equal(segmentFilename(s.start, 2.002, 'partial', 'x'.repeat(43)), `45:51.608000-2.002-partial-${'x'.repeat(43)}.ts`);
});

test('durations are written like Python str(float)', () => {
  assert.equal(formatDuration(2), '2.0');
  assert.equal(formatDuration(2.002), '2.002');
  assert.equal(formatDuration(1.968), '1.968');
  assert.equal(formatDuration(0), '0.0');
});

test('fraction is right-padded to microseconds', () => {
  const s = parseSegmentPath('c/q/2019-11-13T02/45:51.6-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts');
  assert.equal(s.start % 1_000_000, 600000);
});

test('temp segments carry a uuid, not a hash', () => {
  const s = parseSegmentPath('c/q/2019-11-13T02/45:51.608000-2.0-temp-0b8e1c2a-1111-4222-8333-944455556666.ts');
  assert.equal(s.type, 'temp');
  assert.equal(s.hash, null);
});

test('rejects malformed names', () => {
  for (const bad of [
    'c/q/2019-11-13T02/45:51.608000-2.0-full-HASH.json',
    'c/q/2019-11-13T02/45:51.608000-2.0-full.ts',
    'c/q/2019-11-13T02/45:51.608000-2.0-bogus-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts',
    'c/q/2019-11-13T02/45:51.608000-2.0-full-tooshort.ts',
    'c/q/2019-11-13/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts',
    'c/q/2019-11-13T02/61:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts',
    'c/q/2019-11-13T02/45:51.608000-abc-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts',
    'c/q/2019-02-31T02/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts',
  ]) {
    assert.throws(() => parseSegmentPath(bad), /Bad path/, bad);
  }
});

test('hour folders', () => {
  assert.equal(formatHour(Date.UTC(2019, 10, 13, 2, 59, 59, 999) * 1000), '2019-11-13T02');
  assert.equal(parseHour('2019-11-13T02'), Date.UTC(2019, 10, 13, 2) * 1000);
  assert.equal(parseHour('2019-11-13T24'), null);
  assert.equal(parseHour('../etc'), null);
});

test('hash is unpadded url-safe base64 sha256, as b64encode(digest, b"-_") writes it', () => {
  // wubloader's DATA_FORMATS.md prints this hash with '-' and '_' swapped; its code (altchars "-_",
  // i.e. '+' -> '-', '/' -> '_') and Python both give this value, and the code is what peers verify.
  assert.equal(hashBytes(new Uint8Array()), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
});
