/**
 * Error shapes.
 *
 * The Data API answers with the classic Google JSON error envelope
 *   {"error":{"code":403,"message":"…","errors":[{"message":"…","domain":"…","reason":"…"}]}}
 * and clients are expected to key on errors[0].reason, then code (protocols.md B8).
 * The OAuth endpoints use the RFC 6749 shape instead: {"error":"invalid_grant","error_description":"…"}.
 * gaxios turns a string `error` into err.message, and an object `error` into a
 * message built from errors[].message — so both shapes matter to client code.
 *
 * Where the exact reason/message of the real service is not documented we use
 * the closest documented value and say so in a comment ([UNSURE] in the reference).
 */

export interface GoogleErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

export interface ApiErrorOptions {
  domain?: string;
  location?: string;
  locationType?: string;
  /** Newer responses carry a gRPC-style status string; we include it where the reference shows it. */
  status?: string;
  headers?: Record<string, string>;
  /** Quota handling: whether a request that ended in this error is billed as an invalid request. */
  billable?: boolean;
}

/** A Data API error, thrown by handlers and rendered by the router. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly domain: string;
  readonly opts: ApiErrorOptions;

  constructor(code: number, reason: string, message: string, opts: ApiErrorOptions = {}) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.domain = opts.domain ?? 'global';
    this.opts = opts;
  }

  body(): { error: Record<string, unknown> } {
    const item: GoogleErrorItem = { message: this.message, domain: this.domain, reason: this.reason };
    if (this.opts.location !== undefined) item.location = this.opts.location;
    if (this.opts.locationType !== undefined) item.locationType = this.opts.locationType;
    const error: Record<string, unknown> = { code: this.code, message: this.message, errors: [item] };
    if (this.opts.status) error.status = this.opts.status;
    return { error };
  }
}

/** An OAuth endpoint error ({"error": "...", "error_description": "..."}). */
export class OAuthError extends Error {
  readonly httpStatus: number;
  readonly error: string;
  readonly description: string;

  constructor(httpStatus: number, error: string, description: string) {
    super(`${error}: ${description}`);
    this.httpStatus = httpStatus;
    this.error = error;
    this.description = description;
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

// ---------------------------------------------------------------------------
// Factories for the errors the fake produces. Messages are written to be
// recognisable; clients must not parse them.

const QUOTA_MESSAGE =
  'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';

export const errors = {
  /** 401 for a missing Authorization header. */
  loginRequired: () =>
    new ApiError(
      401,
      'required',
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      {
        location: 'Authorization',
        locationType: 'header',
        status: 'UNAUTHENTICATED',
        headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' },
      },
    ),
  /** 401 for an unknown, expired or revoked access token (the reference's `authError` row). */
  invalidCredentials: () =>
    new ApiError(
      401,
      'authError',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      {
        location: 'Authorization',
        locationType: 'header',
        status: 'UNAUTHENTICATED',
        headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      },
    ),
  insufficientPermissions: () =>
    new ApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
      status: 'PERMISSION_DENIED',
      headers: {
        'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"',
      },
      billable: true,
    }),
  quotaExceeded: () => new ApiError(403, 'quotaExceeded', QUOTA_MESSAGE, { domain: 'youtube.quota' }),
  dailyLimitExceeded: () =>
    new ApiError(
      403,
      'dailyLimitExceeded',
      'Daily Limit Exceeded. The quota will be reset at midnight Pacific Time (PT).',
      { domain: 'usageLimits' },
    ),
  rateLimitExceeded: (status: 403 | 429 = 403) =>
    status === 429
      ? new ApiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', {
          domain: 'usageLimits',
          status: 'RESOURCE_EXHAUSTED',
        })
      : new ApiError(403, 'rateLimitExceeded', 'Rate Limit Exceeded', { domain: 'usageLimits' }),
  userRateLimitExceeded: () =>
    new ApiError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', { domain: 'usageLimits' }),
  backendError: (code = 500) =>
    new ApiError(code, 'backendError', code === 503 ? 'Service Unavailable' : 'Backend Error'),
  requiredParameter: (name: string) =>
    new ApiError(400, 'required', `Required parameter: ${name}`, {
      location: name,
      locationType: 'parameter',
      billable: true,
    }),
  /**
   * Out-of-range numeric parameters. ESF-fronted Google APIs answer
   * "Invalid value 'N'. Values must be within the range: [a, b]" with reason
   * invalidParameter; the reference lists the name as [UNSURE], so the reason is
   * configurable (FakeYouTubeOptions.rangeErrorReason).
   */
  outOfRange: (name: string, value: string, min: number, max: number, reason = 'invalidParameter') =>
    new ApiError(400, reason, `Invalid value '${value}'. Values must be within the range: [${min}, ${max}]`, {
      location: name,
      locationType: 'parameter',
      billable: true,
    }),
  unknownPart: (part: string) =>
    new ApiError(400, 'unknownPart', `'${part}'`, {
      domain: 'youtube.part',
      location: 'part',
      locationType: 'parameter',
      billable: true,
    }),
  parseError: (detail: string) =>
    new ApiError(400, 'parseError', `Parse Error: ${detail}`, { billable: true }),
  badContent: (message: string) => new ApiError(400, 'badContent', message, { billable: true }),
  mediaBodyRequired: () =>
    new ApiError(
      400,
      'mediaBodyRequired',
      'The request does not include the media content (video or image) that it is meant to upload.',
      { domain: 'youtube.video', billable: true },
    ),
  notFound: (message = 'Not Found') => new ApiError(404, 'notFound', message),
  methodNotAllowed: () => new ApiError(405, 'httpMethodNotAllowed', 'HTTP method not allowed'),
  uploadTooLarge: (max: number) =>
    // [UNSURE] exact reason; 413 + "Media larger than" is what Google's upload front end says for maxSize.
    new ApiError(413, 'uploadTooLarge', `Media larger than: ${max}`, { billable: true }),
};

/** Standard OAuth errors with the descriptions the reference quotes. */
export const oauthErrors = {
  expiredOrRevoked: () => new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.'),
  badCode: () => new OAuthError(400, 'invalid_grant', 'Bad Request'),
  malformedCode: () => new OAuthError(400, 'invalid_grant', 'Malformed auth code.'),
  missingVerifier: () => new OAuthError(400, 'invalid_grant', 'Missing code verifier.'),
  invalidVerifier: () => new OAuthError(400, 'invalid_grant', 'Invalid code verifier.'),
  redirectMismatch: () => new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request'),
  clientNotFound: () => new OAuthError(401, 'invalid_client', 'The OAuth client was not found.'),
  badSecret: () => new OAuthError(401, 'invalid_client', 'Unauthorized'),
  unauthorizedClient: () => new OAuthError(401, 'unauthorized_client', 'Unauthorized'),
  unsupportedGrant: (g: string) =>
    new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${g}`),
  invalidRequest: (d: string) => new OAuthError(400, 'invalid_request', d),
};
