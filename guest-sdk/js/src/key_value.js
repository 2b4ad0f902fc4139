// Key-value stores for (sync) operations: `Store.open('default').increment('visits')`. A
// component reaches only the stores its manifest entry names in `key_value_stores`; a failed
// call throws a `StoreError` whose `kind` is `denied`, `invalid`, `unavailable` or `timeout`.
// Values are bytes (strings are written as UTF-8); `increment` keeps a counter as its decimal
// text. A `ttl` is in milliseconds.

import * as kv from 'fastwasm:app/key-value@0.1.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Why a store call failed. */
export class StoreError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'StoreError';
    this.kind = kind;
  }
}

const bytes = (value) => (typeof value === 'string' ? encoder.encode(value) : new Uint8Array(value));
const ttlMs = (ttl) => (ttl === undefined ? undefined : BigInt(Math.max(1, Math.round(ttl))));

/** A store, by the name the app defines it under (`default` is always defined). */
export class Store {
  constructor(name = 'default') {
    this.name = name;
  }

  static open(name = 'default') {
    return new Store(name);
  }

  call(fn, ...args) {
    try {
      return kv[fn](this.name, ...args);
    } catch (error) {
      const payload = error?.payload ?? {};
      throw new StoreError(payload.kind ?? 'unavailable', payload.message ?? String(error));
    }
  }

  /** The value's bytes, or `undefined` when absent. */
  get(key) {
    return this.call('get', key) ?? undefined;
  }

  /** The value as text, or `undefined`. */
  getText(key) {
    const value = this.get(key);
    return value === undefined ? undefined : decoder.decode(value);
  }

  /** The value read as JSON, or `undefined`. */
  getJson(key) {
    const text = this.getText(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  /** Sets `key` to a string or bytes; `{ ttl }` in milliseconds. */
  set(key, value, { ttl } = {}) {
    this.call('set', key, bytes(value), ttlMs(ttl));
  }

  setJson(key, value, options) {
    this.set(key, JSON.stringify(value), options);
  }

  delete(key) {
    return this.call('delete', key);
  }

  exists(key) {
    return this.call('exists', key);
  }

  /** Adds `delta` (1 unless given) atomically; the new value, a number. */
  increment(key, delta = 1) {
    return Number(this.call('increment', key, BigInt(delta)));
  }

  /** Sets `key` to `value` only if it holds `expected` (`undefined`: only if absent). */
  compareAndSwap(key, expected, value) {
    return this.call('compareAndSwap', key, expected === undefined ? undefined : bytes(expected), bytes(value));
  }

  getMany(keys) {
    return this.call('getMany', keys).map((value) => value ?? undefined);
  }

  setMany(entries, { ttl } = {}) {
    this.call('setMany', Object.entries(entries).map(([key, value]) => [key, bytes(value)]), ttlMs(ttl));
  }

  /** One page: `{ keys, cursor }`; pass `cursor` back for the next. */
  listKeys(prefix = '', cursor = undefined) {
    const page = this.call('listKeys', prefix, cursor);
    return { keys: page.keys, cursor: page.cursor ?? undefined };
  }

  /** Every key under `prefix`. */
  keys(prefix = '') {
    const keys = [];
    let cursor;
    do {
      const page = this.listKeys(prefix, cursor);
      keys.push(...page.keys);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return keys;
  }
}
