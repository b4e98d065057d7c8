/**
 * What the JSON routers mounted under /api (events, playlists) share: turning a thrown error into a
 * JSON answer, and reading and validating request bodies (both throw HttpError(400) on bad input).
 * The routers catch errors per handler rather than relying on the app's onError, so that every failure
 * is a JSON answer whatever app a router is mounted in (tests mount them on a bare Hono).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { describeZodError } from '../events/api-schemas.ts';
import { HttpError } from './params.ts';

export interface JsonErrorOptions {
  /** log prefix for unexpected errors, e.g. 'events' */
  name: string;
  /** message of the 500 answer: the error itself is logged, not sent to the client */
  internalError: string;
  /** the answer for the router's own error classes; undefined for any other error */
  mapError(c: Context, e: unknown): Response | undefined;
}

/** The router's own errors as it maps them, HttpError as its status, anything else a logged 500. */
export function jsonErrorResponse(c: Context, e: unknown, o: JsonErrorOptions): Response {
  const mapped = o.mapError(c, e);
  if (mapped) return mapped;
  if (e instanceof HttpError) return c.json({ error: e.message }, e.status as 400);
  console.error(`[${o.name}] unexpected error`, e);
  return c.json({ error: o.internalError }, 500);
}

/** A wrapper for a router's handlers so that every failure becomes a JSON answer. */
export function jsonHandler(o: JsonErrorOptions) {
  return (fn: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (e) {
      return jsonErrorResponse(c, e, o);
    }
  };
}

/** `value` validated by `schema`, or HttpError(400) naming every problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, describeZodError(r.error));
  return r.data;
}

/** The request body as a JSON object; with `allowEmpty`, an empty body reads as {}. */
export async function jsonBody(c: Context, allowEmpty = false): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (allowEmpty && text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body must be a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'Request body must be a JSON object');
  return body as Record<string, unknown>;
}
