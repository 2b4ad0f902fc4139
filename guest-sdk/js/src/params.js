// Parameters read from the path, the query, headers and cookies: `path.int({ ge: 1 })`,
// `query.str({ maxLength: 50, optional: true })`, `header.list('str')`. Each declares a JSON
// Schema; the host validates and coerces the raw strings against it and answers FastAPI's 422
// itself, so a handler only ever receives values of the declared type.

import { CONSTRAINT_OPTIONS, SCALAR_TYPES, checkOptions, constrain } from './schema.js';

const COMMON_OPTIONS = ['alias', 'description', ...CONSTRAINT_OPTIONS];
const OPTIONAL_OPTIONS = ['default', 'optional'];

/** A declared parameter. Built by `path`, `query`, `header` and `cookie`; read by the app. */
export class Param {
  constructor({ location, schema, required, alias, description }) {
    this.location = location;
    this.schema = schema;
    this.required = required;
    /** What a handler sees when the request lacks the parameter and it has no default. */
    this.absent = schema.type === 'array' ? [] : null;
    this.alias = alias;
    this.description = description;
  }

  /**
   * The `param` record `describe` declares for this parameter, read by handlers as `name`.
   * Headers are matched in lowercase, and `x_token` is sent as `x-token`, as in FastAPI.
   */
  declare(name) {
    let wire = this.alias ?? name;
    if (this.location === 'header') {
      wire = this.alias === undefined ? name.replaceAll('_', '-') : this.alias.toLowerCase();
    }
    return {
      name,
      alias: wire === name ? undefined : wire,
      location: this.location,
      required: this.required,
      schema: JSON.stringify(this.schema),
      description: this.description,
    };
  }
}

/** A parameter of `type` ('int', 'number', 'str', 'bool', or 'list' of `itemType`). */
function param(location, type, options, itemType) {
  const what = `${location}.${type}()`;
  const allowed = location === 'path' ? COMMON_OPTIONS : [...COMMON_OPTIONS, ...OPTIONAL_OPTIONS];
  checkOptions(options, allowed, what);
  if (options.alias !== undefined && typeof options.alias !== 'string') {
    throw new TypeError(`${what}: \`alias\` must be a string, got ${JSON.stringify(options.alias)}`);
  }
  if (location === 'path' && options.alias !== undefined) {
    throw new TypeError(`${what}: a path parameter is named by its template segment; drop \`alias\``);
  }
  const list = type === 'list';
  const schema = list
    ? // Constraints on a list apply to its items, as FastAPI's `list[int] = Query(ge=1)` does.
      { type: 'array', items: constrain(SCALAR_TYPES[itemType](), options, what) }
    : constrain(SCALAR_TYPES[type](), options, what);
  const hasDefault = options.default !== undefined;
  if (hasDefault) schema.default = options.default;
  // A path segment is always present; a list is at worst empty.
  const required = location === 'path' || (!list && !hasDefault && options.optional !== true);
  return new Param({
    location,
    schema,
    required,
    alias: options.alias,
    description: options.description,
  });
}

function location(name, { allowList }) {
  const builders = {};
  for (const type of Object.keys(SCALAR_TYPES)) {
    builders[type] = (options = {}) => param(name, type, options);
  }
  if (allowList) {
    /** Repeated values (`?tag=a&tag=b`) of `itemType`: 'int', 'number', 'str' or 'bool'. */
    builders.list = (itemType, options = {}) => {
      if (!Object.hasOwn(SCALAR_TYPES, itemType)) {
        throw new TypeError(
          `${name}.list(): the item type must be one of ${Object.keys(SCALAR_TYPES).join(', ')}, got ${JSON.stringify(itemType)}`,
        );
      }
      return param(name, 'list', options, itemType);
    };
  }
  return Object.freeze(builders);
}

/** A `{name}` segment of the path template: `path.int({ ge: 1 })`. Always required. */
export const path = location('path', { allowList: false });
/** A query-string parameter: `query.str({ maxLength: 50, optional: true })`, `query.list('int')`. */
export const query = location('query', { allowList: true });
/** A request header; `user_agent` reads `user-agent`, `alias` names it exactly. */
export const header = location('header', { allowList: true });
/** A cookie of the `Cookie` header. */
export const cookie = location('cookie', { allowList: false });
