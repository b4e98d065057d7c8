/**
 * Error shapes and small protocol helpers: Google error bodies, wubloader-style UploadError
 * messages, backoff bounds, Range parsing, and the metadata → resource mapping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, retryAfterMs } from '../../main/youtube/backoff.ts';
import {
  AccountNeedsReconnectError, isQuotaReason, isRateLimitReason, parseGoogleError, parseRange, QuotaParkedError,
  toResource, UploadError, YouTubeError,
} from '../../main/youtube/index.ts';

describe('Google error bodies', () => {
  it('reads reason and message from the classic shape, stripping HTML', () => {
    const body = JSON.stringify({ error: { code: 403, message: 'You have exceeded your <a href="/q">quota</a>.', errors: [{ message: 'x', domain: 'youtube.quota', reason: 'quotaExceeded' }] } });
    assert.deepEqual(parseGoogleError(403, body), { status: 403, reason: 'quotaExceeded', domain: 'youtube.quota', message: 'You have exceeded your quota.' });
  });

  it('reads the OAuth shape and tolerates junk', () => {
    assert.deepEqual(parseGoogleError(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }),
      { status: 400, reason: 'invalid_grant', message: 'invalid_grant: Token has been expired or revoked.' });
    assert.deepEqual(parseGoogleError(502, '<html>Bad Gateway</html>'), { status: 502, message: '<html>Bad Gateway</html>' });
    assert.deepEqual(parseGoogleError(500, ''), { status: 500, message: 'HTTP 500' });
    assert.equal(parseGoogleError(429, { error: { code: 429, message: 'm', status: 'RESOURCE_EXHAUSTED' } }).reason, 'RESOURCE_EXHAUSTED');
  });

  it('classifies daily quota vs short-term rate limits', () => {
    assert.ok(isQuotaReason('quotaExceeded') && isQuotaReason('dailyLimitExceeded'));
    assert.ok(!isQuotaReason('rateLimitExceeded'));
    assert.ok(isRateLimitReason('rateLimitExceeded') && isRateLimitReason('userRateLimitExceeded'));
    assert.ok(!isRateLimitReason('quotaExceeded'));
  });
});

describe('typed errors', () => {
  it('UploadError reads like wubloader\'s and redacts', () => {
    const r = new UploadError('connection reset (token ya29.secretsecret)', { retryable: true });
    assert.equal(r.message, 'Retryable error while uploading: connection reset (token [REDACTED])');
    assert.ok(r instanceof YouTubeError);
    const n = new UploadError('400 invalidTitle', { retryable: false, status: 400, reason: 'invalidTitle' });
    assert.equal(n.message, 'Non-retryable error while uploading: 400 invalidTitle');
    assert.equal(n.detail, '400 invalidTitle');
    assert.equal(n.mayHaveUploaded, false);
  });

  it('parked errors say until when, and for what', () => {
    const q = new QuotaParkedError('proj', 'uploads', Date.UTC(2026, 10, 22, 8), 'quotaExceeded');
    assert.equal(q.message, 'YouTube upload quota of project "proj" is used up (quotaExceeded); parked until 2026-11-22 00:00 PST');
    assert.deepEqual(q.parked, { until: Date.UTC(2026, 10, 22, 8), project: 'proj' });
    const a = new AccountNeedsReconnectError('main', 'revoked');
    assert.deepEqual([a.retryable, a.parked?.accountId, a.reason], [true, 'main', 'invalid_grant']);
  });
});

describe('backoff', () => {
  it('doubles per attempt within [step/2, step], capped', () => {
    for (const [attempt, step] of [[1, 1000], [2, 2000], [3, 4000], [7, 60_000], [20, 60_000]] as const) {
      assert.equal(backoffDelay(attempt, { random: () => 0 }), step / 2);
      assert.equal(backoffDelay(attempt, { random: () => 1 }), step);
    }
    assert.equal(backoffDelay(3, { initialMs: 10, maxMs: 25, random: () => 1 }), 25);
  });

  it('honours Retry-After in seconds or as a date, capped', () => {
    assert.equal(retryAfterMs('3', 0, 60_000), 3000);
    assert.equal(retryAfterMs('600', 0, 60_000), 60_000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000, 60_000), 6000);
    assert.equal(retryAfterMs(undefined, 0, 1000), undefined);
    assert.equal(retryAfterMs('soon', 0, 1000), undefined);
  });
});

describe('protocol helpers', () => {
  it('parses the Range of a 308', () => {
    assert.equal(parseRange(undefined), 0);
    assert.equal(parseRange('bytes=0-262143'), 262144);
    assert.throws(() => parseRange('bytes=5-10'), /not starting at 0/);
    assert.throws(() => parseRange('items 0-1'), /unexpected Range/);
  });

  it('maps metadata to snippet/status', () => {
    assert.deepEqual(toResource({ title: 't', privacyStatus: 'public' }), {
      snippet: { title: 't', description: '', tags: [] }, status: { privacyStatus: 'public' },
    });
    assert.deepEqual(toResource({ title: 't', description: 'd', tags: ['a'], categoryId: '20', language: 'en', privacyStatus: 'private', publishAt: '2026-12-01T00:00:00Z', selfDeclaredMadeForKids: false }), {
      snippet: { title: 't', description: 'd', tags: ['a'], categoryId: '20', defaultLanguage: 'en', defaultAudioLanguage: 'en' },
      status: { privacyStatus: 'private', publishAt: '2026-12-01T00:00:00Z', selfDeclaredMadeForKids: false },
    });
  });
});
