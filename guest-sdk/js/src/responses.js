// What a handler answers with: a plain value (JSON, text or bytes), a `Response` for full
// control, or a thrown `HTTPException` that ends the request with `{"detail": ...}`.

import { reasonPhrase } from './status.js';

const UTF8 = new TextEncoder();

/**
 * Ends the request with `status` and a body of `{"detail": detail}`, like FastAPI's
 * `HTTPException`: `throw new HTTPException(404, 'Item not found', { 'x-error': 'gone' })`.
 * Thrown from a provider, it ends the request before the handler runs.
 */
export class HTTPException extends Error {
  /**
   * @param {number} status
   * @param {unknown} [detail] any JSON value; the status's reason phrase when omitted
   * @param {Record<string, string> | Array<[string, string]>} [headers]
   */
  constructor(status, detail = reasonPhrase(status), headers = {}) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.name = 'HTTPException';
    this.status = checkStatus(status, 'HTTPException');
    this.detail = detail;
    this.headers = normalizeHeaders(headers);
  }
}

/**
 * A response with an explicit status, headers and body. `content` is a string (sent as
 * text/plain unless `mediaType` says otherwise), bytes (`Uint8Array` or `ArrayBuffer`), or
 * `null` for no body. `Response.json`, `.html` and `.redirect` cover the common cases.
 */
export class Response {
  /**
   * @param {string | Uint8Array | ArrayBuffer | null} [content]
   * @param {{ status?: number, headers?: Record<string, string> | Array<[string, string]>, mediaType?: string }} [init]
   */
  constructor(content = null, { status = 200, headers = {}, mediaType } = {}) {
    this.status = checkStatus(status, 'Response');
    this.headers = normalizeHeaders(headers);
    this.body = encodeContent(content);
    const type = mediaType ?? defaultMediaType(content);
    if (type !== undefined && !this.headers.some(([name]) => name === 'content-type')) {
      this.headers.push(['content-type', type]);
    }
  }

  /** `value` as JSON (`application/json`). */
  static json(value, init = {}) {
    return new Response(JSON.stringify(value ?? null), { mediaType: 'application/json', ...init });
  }

  /** An HTML page (`text/html; charset=utf-8`). */
  static html(text, init = {}) {
    return new Response(text, { mediaType: 'text/html; charset=utf-8', ...init });
  }

  /** A redirect to `url`, 307 by default as in FastAPI's `RedirectResponse`. */
  static redirect(url, status = 307, init = {}) {
    const headers = [...normalizeHeaders(init.headers ?? {}), ['location', String(url)]];
    return new Response(null, { ...init, status, headers });
  }
}

function checkStatus(status, what) {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new RangeError(`${what}: status must be an integer from 100 to 599, got ${status}`);
  }
  return status;
}

/** `[name, value]` pairs with lowercase names, from an object, a `Map` or pairs. */
export function normalizeHeaders(headers) {
  const entries = Array.isArray(headers) || headers instanceof Map ? [...headers] : Object.entries(headers);
  return entries.map(([name, value]) => [String(name).toLowerCase(), String(value)]);
}

function encodeContent(content) {
  if (content === null || content === undefined) return new Uint8Array();
  if (typeof content === 'string') return UTF8.encode(content);
  if (content instanceof Uint8Array) return content;
  if (content instanceof ArrayBuffer) return new Uint8Array(content);
  if (ArrayBuffer.isView(content)) return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  throw new TypeError(`Response content must be a string, bytes or null; use Response.json() for ${typeof content}s`);
}

function defaultMediaType(content) {
  if (typeof content === 'string') return 'text/plain; charset=utf-8';
  if (content === null || content === undefined) return undefined;
  return 'application/octet-stream';
}

// Statuses whose responses carry no body (RFC 9110).
export const BODILESS = new Set([204, 205, 304]);

/**
 * The `Response` a handler's return value stands for, with `status` when the handler did not
 * choose one: a `Response` as is; a string as text; bytes as `application/octet-stream`;
 * anything else as JSON (`undefined` as `null`, or no body for a bodiless status).
 */
export function toResponse(value, status) {
  if (value instanceof Response) return value;
  if (typeof value === 'string') return new Response(value, { status });
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return new Response(value, { status });
  if (value === undefined && BODILESS.has(status)) return new Response(null, { status });
  return Response.json(value, { status });
}
