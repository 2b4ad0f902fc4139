// The request as a handler or provider sees it, for what declared parameters do not cover.

import { decodeJson } from './body.js';

const UTF8 = new TextDecoder();

/** The HTTP request, after the host routed and validated it. */
export class Request {
  /** @param {object} record the WIT `request` record */
  constructor(record) {
    /** The HTTP method, uppercase. */
    this.method = record.method;
    /** The path as received, without the query. */
    this.path = record.path;
    /** The raw query string, without `?`. */
    this.query = record.query;
    /** The route template that matched, e.g. `/items/{item_id}`. */
    this.route = record.route;
    /** The id of the operation serving the request. */
    this.operationId = record.operationId;
    /** `[name, value]` pairs, lowercase names in the order received. */
    this.headers = record.headers.map(([name, value]) => [name, UTF8.decode(value)]);
    /** The raw body. */
    this.body = record.body;
  }

  /** The first value of header `name` (any case), or `undefined`. */
  header(name) {
    const wanted = name.toLowerCase();
    return this.headers.find(([key]) => key === wanted)?.[1];
  }

  /** The body as UTF-8 text. */
  text() {
    return UTF8.decode(this.body);
  }

  /** The body parsed as JSON; malformed JSON throws FastAPI's 422 `json_invalid`. */
  json() {
    return decodeJson(this.body);
  }
}
