// Outbound HTTP for sync operations: `fetchSync(url, init)` sends a request through the host
// and returns its whole response. The host sends it only to an origin the component's
// `allowed_outbound_hosts` lists, forwards the request's `x-request-id`, and holds it to the
// outbound limits. (`fetch` needs an async export to await it, which componentize-js cannot make.)

import { send } from 'fastwasm:app/outbound@0.1.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Why a call failed: `kind` is `denied`, `invalid-request`, `connect`, `timeout`, `too-large`,
 * `cancelled` or `protocol`. */
export class OutboundError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'OutboundError';
    this.kind = kind;
  }
}

/** A whole response. */
class OutboundResponse {
  constructor(answer) {
    this.status = answer.status;
    this.ok = answer.status >= 200 && answer.status < 300;
    this.headers = new Map();
    for (const [name, value] of answer.headers) {
      const text = decoder.decode(value);
      this.headers.set(name, this.headers.has(name) ? `${this.headers.get(name)}, ${text}` : text);
    }
    this.bytes = answer.body;
  }

  text() {
    return decoder.decode(this.bytes);
  }

  json() {
    return JSON.parse(this.text());
  }
}

/** `fetchSync('https://api.example.com/items', { method: 'POST', headers, body, timeout })`:
 * `body` is a string, bytes or (with `json`) any value; `timeout` is in milliseconds. */
export function fetchSync(url, init = {}) {
  const headers = [];
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    headers.push([name.toLowerCase(), encoder.encode(String(value))]);
  }
  let body = new Uint8Array();
  if (init.json !== undefined) {
    body = encoder.encode(JSON.stringify(init.json));
    headers.push(['content-type', encoder.encode('application/json')]);
  } else if (typeof init.body === 'string') {
    body = encoder.encode(init.body);
  } else if (init.body !== undefined) {
    body = new Uint8Array(init.body);
  }
  const request = {
    method: (init.method ?? 'GET').toUpperCase(),
    url: String(url),
    headers,
    body,
    timeoutMs: init.timeout === undefined ? undefined : BigInt(Math.max(1, Math.round(init.timeout))),
    requestId: undefined,
  };
  let answer;
  try {
    answer = send(request);
  } catch (error) {
    const payload = error?.payload ?? {};
    throw new OutboundError(payload.kind ?? 'protocol', payload.message ?? String(error));
  }
  return new OutboundResponse(answer);
}
