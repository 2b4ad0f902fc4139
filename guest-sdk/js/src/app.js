// `FastWasm`: path operations and dependency providers, registered as in FastAPI or Express.
// Registration runs once, when the component is built (componentize-js snapshots the module
// after evaluating it), so every mistake found here fails the build, not a request.

import { Body } from './body.js';
import { Field, mergeDefs } from './fields.js';
import { Param, path as pathParam } from './params.js';
import { parseTemplate } from './paths.js';
import { Request } from './request.js';
import { BODILESS, HTTPException, Response, toResponse } from './responses.js';
import { checkOptions } from './schema.js';
import { reasonPhrase } from './status.js';

const OPERATION_OPTIONS = [
  'params',
  'dependencies',
  'summary',
  'description',
  'tags',
  'status',
  'operationId',
  'responseModel',
  'responses',
  'deprecated',
  'includeInSchema',
];
const PROVIDER_OPTIONS = ['params', 'dependencies', 'description', 'teardown'];
// What `new FastWasm({...})` puts into the document's `info`, by OpenAPI's name.
const INFO_OPTIONS = ['title', 'summary', 'description', 'version', 'termsOfService', 'contact', 'license'];
const APP_OPTIONS = [...INFO_OPTIONS, 'tags', 'servers', 'externalDocs'];

/**
 * An app: `const app = new FastWasm()`, then `app.get('/items/{id}', { params }, handler)` and
 * `app.provider('db', { teardown }, open)`, and `export default app`.
 *
 * `new FastWasm({ title, summary, description, version, termsOfService, contact, license,
 * tags, servers, externalDocs })` says what the OpenAPI document says of the app (the
 * manifest's `title`, `version` and `description` go over these).
 */
export class FastWasm {
  #operations = new Map();
  #providers = new Map();
  // Every named model of the app's bodies and responses, title → schema: one name in the
  // OpenAPI document must not stand for two different models.
  #models = new Map();
  // The `app-info.openapi` fragment, JSON text, or undefined when nothing was said.
  #openapi;

  constructor(options = {}) {
    checkOptions(options, APP_OPTIONS, 'new FastWasm()');
    const fragment = {};
    const info = Object.fromEntries(INFO_OPTIONS.filter((key) => options[key]).map((key) => [key, options[key]]));
    if (Object.keys(info).length > 0) fragment.info = info;
    for (const key of ['tags', 'servers', 'externalDocs']) {
      if (options[key]) fragment[key] = options[key];
    }
    if (Object.keys(fragment).length > 0) this.#openapi = JSON.stringify(fragment);
  }

  /** `GET path`: `app.get(path, handler)` or `app.get(path, options, handler)`. */
  get(path, options, handler) {
    return this.#operation('GET', path, options, handler);
  }

  post(path, options, handler) {
    return this.#operation('POST', path, options, handler);
  }

  put(path, options, handler) {
    return this.#operation('PUT', path, options, handler);
  }

  patch(path, options, handler) {
    return this.#operation('PATCH', path, options, handler);
  }

  delete(path, options, handler) {
    return this.#operation('DELETE', path, options, handler);
  }

  head(path, options, handler) {
    return this.#operation('HEAD', path, options, handler);
  }

  options(path, options, handler) {
    return this.#operation('OPTIONS', path, options, handler);
  }

  /**
   * A dependency provider, FastAPI's `Depends(fn)`: computes the value named `name` once per
   * request for every operation or provider that lists it in `dependencies`, in any component
   * of the app. `fn(params, deps, request)` returns a JSON-serializable value or throws an
   * `HTTPException`; `options.teardown(value)` runs after the response.
   */
  provider(name, options, fn) {
    [options, fn] = fn === undefined ? [{}, options] : [options, fn];
    const what = `provider ${JSON.stringify(name)}`;
    if (typeof name !== 'string' || name === '') throw new TypeError(`${what}: the name must be a non-empty string`);
    if (this.#providers.has(name)) throw new Error(`${what} is registered twice`);
    checkOptions(options, PROVIDER_OPTIONS, what);
    checkSync(fn, what, 'provider');
    if (options.teardown !== undefined) checkSync(options.teardown, `${what}: teardown`, 'teardown');
    this.#providers.set(name, {
      // A provider may read path parameters of whichever operation it serves.
      ...compileInputs(what, options, null),
      name,
      description: options.description,
      call: fn,
      teardown: options.teardown,
    });
    return this;
  }

  #operation(method, template, options, handler) {
    [options, handler] = handler === undefined ? [{}, options] : [options, handler];
    const what = `${method} ${template}`;
    checkOptions(options, OPERATION_OPTIONS, what);
    checkSync(handler, what, 'handler');
    const { path, params: segments } = parseTemplate(template);
    const id = options.operationId ?? operationId(handler, method, path);
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(`${what}: \`operationId\` must be a non-empty string, got ${JSON.stringify(id)}`);
    }
    if (this.#operations.has(id)) {
      throw new Error(`${what}: operation id \`${id}\` is already taken; give one with the \`operationId\` option`);
    }
    const tags = options.tags ?? [];
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
      throw new TypeError(`${what}: \`tags\` must be an array of strings, got ${JSON.stringify(tags)}`);
    }
    const status = options.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`${what}: \`status\` must be an integer from 200 to 599, got ${status}`);
    }
    const inputs = compileInputs(what, options, segments);
    const responseModel =
      options.responseModel === undefined ? undefined : compileResponseModel(what, options.responseModel, status);
    for (const schema of [inputs.body?.[1].schema, responseModel?.schema]) {
      if (schema !== undefined) mergeDefs(this.#models, namedModels(schema), what);
    }
    this.#operations.set(id, {
      ...inputs,
      id,
      method,
      path,
      summary: options.summary,
      description: options.description,
      tags,
      status,
      responseModel,
      openapi: openapiFragment(what, options),
      call: handler,
    });
    return this;
  }

  /** The `app-info` record the component's `describe` returns. */
  describe() {
    return {
      operations: [...this.#operations.values()].map((op) => ({
        id: op.id,
        method: op.method,
        path: op.path,
        summary: op.summary,
        description: op.description,
        tags: op.tags,
        kind: 'sync',
        params: op.params.map(([name, param]) => param.declare(name)),
        body: op.body?.[1].declare(),
        statusCode: op.status,
        responseSchema: op.responseModel && JSON.stringify(op.responseModel.schema),
        dependencies: declareDependencies(op.dependencies),
        openapi: op.openapi,
        // `invoke` gathers the host's errors with the body's.
        answersInvalid: true,
      })),
      providers: [...this.#providers.values()].map((provider) => ({
        name: provider.name,
        kind: 'sync',
        params: provider.params.map(([name, param]) => param.declare(name)),
        dependencies: declareDependencies(provider.dependencies),
        hasTeardown: provider.teardown !== undefined,
        description: provider.description,
        openapi: undefined,
      })),
      openapi: this.#openapi,
    };
  }

  /** The `Response` operation `id` answers `record` with; throws what its handler throws. */
  handle(id, record, deps) {
    const op = this.#operations.get(id);
    if (!op) throw new Error(`no operation \`${id}\` is registered`);
    const result = invoke(op, record, deps);
    return toResponse(op.responseModel ? shapeResult(op.responseModel, result) : result, op.status);
  }

  /** The value provider `name` computes (or throws) for `record`. */
  provide(name, record, deps) {
    return invoke(this.#provider(name), record, deps);
  }

  /** Runs provider `name`'s teardown on the `value` it provided. */
  teardown(name, value) {
    this.#provider(name).teardown?.(value);
  }

  #provider(name) {
    const provider = this.#providers.get(name);
    if (!provider) throw new Error(`no provider \`${name}\` is registered`);
    return provider;
  }
}

/**
 * Calls `target` (an operation or a provider) with its parameters, dependencies and the
 * request. Values arrive as JSON text: the host already validated and coerced parameters.
 * Parameters the host found invalid are not called with: one 422 lists their errors, after
 * those of the providers the host skipped for theirs and before the body's, as FastAPI does.
 */
function invoke(target, record, deps) {
  const request = new Request(record);
  const sent = new Map(record.params);
  const invalid = new Map(record.invalid.map(({ name, errors }) => [name, errors]));
  const errors = record.providerErrors.map((text) => JSON.parse(text));
  const params = {};
  for (const [name, param] of target.params) {
    if (invalid.has(name)) {
      errors.push(...invalid.get(name).map((text) => JSON.parse(text)));
    } else {
      params[name] = sent.has(name) ? JSON.parse(sent.get(name)) : param.absent;
    }
  }
  if (target.body) {
    const [name, body] = target.body;
    try {
      params[name] = body.read(record.body);
    } catch (error) {
      // A body that is not JSON is the answer alone, as FastAPI reads it first.
      if (errors.length === 0 || !isValidation(error) || error.detail[0]?.type === 'json_invalid') throw error;
      errors.push(...error.detail);
    }
  }
  const provided = new Map(deps.map(({ name, value }) => [name, value]));
  const values = {};
  for (const { key, name } of target.dependencies) {
    if (provided.has(name)) {
      values[key] = JSON.parse(provided.get(name));
    } else if (record.providerErrors.length === 0) {
      throw new Error(`the host did not provide dependency \`${name}\``);
    }
  }
  if (errors.length > 0) throw new HTTPException(422, errors);
  const result = target.call(params, values, request);
  if (typeof result?.then === 'function') {
    throw new TypeError('it returned a Promise, but JavaScript components serve sync operations only');
  }
  return result;
}

/** Whether `error` is a 422 in FastAPI's validation shape. */
function isValidation(error) {
  return error instanceof HTTPException && error.status === 422 && Array.isArray(error.detail);
}

/**
 * `result` as the response model shapes it, as FastAPI passes a return value through its
 * `response_model`: unknown keys dropped, absent optional fields filled in. A `Response`, text
 * and bytes are sent as they are. A value that does not fit is a bug of the app, so an error
 * (a 500 with the mismatches in the log), not a response that breaks the declared schema.
 */
function shapeResult(model, result) {
  if (result instanceof Response || typeof result === 'string') return result;
  if (result instanceof Uint8Array || result instanceof ArrayBuffer) return result;
  const errors = [];
  // `undefined` is answered as `null`.
  const value = model.validate(result ?? null, ['response'], errors);
  if (errors.length > 0) {
    throw new Error(`the return value does not match the responseModel: ${JSON.stringify(errors)}`);
  }
  return value;
}

/**
 * `{ schema, validate }` of a `responseModel`: a `body.model()` (the same model a body may
 * use) or any field, e.g. `field.list(field.model({ ... }, { title: 'Item' }))` for a list.
 */
function compileResponseModel(what, model, status) {
  if (BODILESS.has(status)) {
    throw new TypeError(`${what}: status ${status} answers without a body, so it cannot have a \`responseModel\``);
  }
  if (model instanceof Body) return { schema: model.schema, validate: model.validate };
  if (model instanceof Field) {
    return { schema: model.standalone(), validate: (input, loc, errors) => model.validate(input, loc, errors) };
  }
  throw new TypeError(
    `${what}: \`responseModel\` must be a body.model() or a field.*(), e.g. field.list(field.str())`,
  );
}

/** The named models of a standalone `schema`, title → schema: itself if titled, and its `$defs`. */
function namedModels(schema) {
  const { $defs = {}, ...model } = schema;
  const models = new Map(Object.entries($defs));
  if (model.title !== undefined) models.set(model.title, model);
  return models;
}

/**
 * What the OpenAPI document should say of an operation beyond what the host derives, as the JSON
 * text of an Operation object the host merges over its own (FastAPI's `operation_id`,
 * `responses`, `deprecated`, `include_in_schema`); `undefined` when there is nothing to add.
 */
function openapiFragment(what, { operationId, responses, deprecated, includeInSchema }) {
  for (const [name, value] of Object.entries({ deprecated, includeInSchema })) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new TypeError(`${what}: \`${name}\` must be true or false, got ${JSON.stringify(value)}`);
    }
  }
  const fragment = {};
  if (operationId !== undefined) fragment.operationId = operationId;
  if (responses !== undefined) fragment.responses = declareResponses(what, responses);
  if (deprecated) fragment.deprecated = true;
  // The host leaves the operation out of the document; it is served all the same.
  if (includeInSchema === false) fragment['x-fastwasm-hidden'] = true;
  return Object.keys(fragment).length === 0 ? undefined : JSON.stringify(fragment);
}

// FastAPI's descriptions of the responses declared for a range of statuses or as `default`.
const RANGE_DESCRIPTIONS = {
  '1XX': 'Information',
  '2XX': 'Success',
  '3XX': 'Redirection',
  '4XX': 'Client Error',
  '5XX': 'Server Error',
  default: 'Default Response',
};

/**
 * `responses` (`{ 404: { description: 'Item not found' } }`) as OpenAPI Response objects, keyed
 * by a status, a range (`4XX`) or `default`. OpenAPI requires a description: one left out is the
 * status's reason phrase, as in FastAPI.
 */
function declareResponses(what, responses) {
  const expected = "an object keyed by status, e.g. { 404: { description: 'Item not found' } }";
  if (responses === null || typeof responses !== 'object' || Array.isArray(responses)) {
    throw new TypeError(`${what}: \`responses\` must be ${expected}, got ${JSON.stringify(responses)}`);
  }
  const declared = {};
  for (const [key, response] of Object.entries(responses)) {
    const description = /^[1-5]\d\d$/.test(key) ? reasonPhrase(Number(key)) : RANGE_DESCRIPTIONS[key];
    if (description === undefined) {
      throw new TypeError(
        `${what}: \`responses\` key \`${key}\` is not a status from 100 to 599, a range such as 4XX, or default`,
      );
    }
    if (response === null || typeof response !== 'object' || Array.isArray(response)) {
      throw new TypeError(`${what}: \`responses\` must be ${expected}; for ${key}, got ${JSON.stringify(response)}`);
    }
    declared[key] = { description, ...response };
  }
  return declared;
}

/**
 * The declared parameters, the body parameter if any, and the dependencies of an operation or
 * provider. `segments` are the parameters of an operation's path: each must be a path
 * parameter, and one not declared is a string, as in FastAPI. A provider has none (`null`).
 */
function compileInputs(what, { params = {}, dependencies = [] }, segments) {
  const declared = Object.entries(params);
  const bodies = declared.filter(([, value]) => value instanceof Body);
  if (bodies.length > 1) {
    throw new TypeError(`${what}: only one body parameter may be declared, got ${bodies.map(([name]) => name).join(', ')}`);
  }
  const fields = [];
  for (const [name, value] of declared) {
    if (value instanceof Body) continue;
    if (!(value instanceof Param)) {
      throw new TypeError(`${what}: parameter \`${name}\` must be declared with path, query, header, cookie or body`);
    }
    if (value.location === 'path' && segments && !segments.includes(name)) {
      throw new TypeError(`${what}: path parameter \`${name}\` is not a segment of the path`);
    }
    fields.push([name, value]);
  }
  for (const segment of segments ?? []) {
    const param = params[segment];
    if (param === undefined) fields.push([segment, pathParam.str()]);
    else if (!(param instanceof Param) || param.location !== 'path') {
      throw new TypeError(`${what}: \`${segment}\` is a path segment; declare it with path.*()`);
    }
  }
  return { params: fields, body: bodies[0], dependencies: compileDependencies(what, dependencies) };
}

/**
 * `dependencies` as `{ key, name, useCache }`: `key` is where the handler finds the value.
 * Accepts `['db', 'current-user']` (keys are the names), `{ user: 'current-user' }`, and
 * `{ name, useCache: false }` in place of a name (FastAPI's `Depends(..., use_cache=False)`).
 */
function compileDependencies(what, dependencies) {
  const entries = Array.isArray(dependencies)
    ? dependencies.map((use) => [typeof use === 'string' ? use : use?.name, use])
    : Object.entries(dependencies);
  const keys = new Set();
  return entries.map(([key, use]) => {
    const { name, useCache = true } = typeof use === 'string' ? { name: use } : (use ?? {});
    if (typeof name !== 'string' || name === '' || typeof useCache !== 'boolean') {
      throw new TypeError(
        `${what}: a dependency is a provider name or { name, useCache }, got ${JSON.stringify(use)}`,
      );
    }
    if (keys.has(key)) throw new TypeError(`${what}: dependency \`${key}\` is listed twice`);
    keys.add(key);
    return { key, name, useCache };
  });
}

/** The `dependency-use` records: one per provider, however many keys read it. */
function declareDependencies(dependencies) {
  const uses = new Map();
  for (const { name, useCache } of dependencies) {
    if (!uses.has(name)) uses.set(name, { name, useCache });
  }
  return [...uses.values()];
}

/**
 * componentize-js 0.23 cannot export `async` WIT functions, so the host could never await a JS
 * handler: an `async` one would hold a host thread for its whole life. Refused at build time.
 */
function checkSync(fn, what, role) {
  if (typeof fn !== 'function') throw new TypeError(`${what}: the ${role} must be a function`);
  const kind = fn[Symbol.toStringTag];
  if (kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') {
    throw new TypeError(
      `${what}: the ${role} is async, and JavaScript components serve sync operations only until ` +
        'componentize-js can export async functions; declare it without `async`',
    );
  }
  if (kind === 'GeneratorFunction') {
    throw new TypeError(`${what}: the ${role} is a generator; for cleanup after the response, give \`teardown\``);
  }
}

/** The function's name when it has one (`readItem`), else one made of the method and path. */
function operationId(handler, method, path) {
  const source = handler.name || `${method.toLowerCase()}${path}`;
  return source.replace(/\W+/g, '_').replace(/^_+|_+$/g, '') || method.toLowerCase();
}
