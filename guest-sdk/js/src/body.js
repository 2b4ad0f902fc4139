// The request body an operation declares: `body.json()` for any JSON, `body.model({...fields})`
// for an object validated as a pydantic model. The host leaves bodies to the guest, so the
// parsing and validation here answer FastAPI's 422s: `json_invalid` for malformed JSON,
// `missing` for an absent body or field, pydantic's type and constraint errors otherwise.

import { HTTPException } from './responses.js';
import { checkOptions } from './schema.js';
import { objectShape, withDefs } from './fields.js';

/** A declared JSON body. Built by `body.json()` and `body.model()`. */
export class Body {
  constructor({ schema, required, description, validate }) {
    /** JSON Schema of the body, with the named models it refers to under `$defs`. */
    this.schema = schema;
    this.required = required;
    this.description = description;
    this.validate = validate;
  }

  /** The `body-spec` record `describe` declares. */
  declare() {
    const schema = this.description === undefined ? this.schema : { ...this.schema, description: this.description };
    return { mediaType: 'application/json', required: this.required, schema: JSON.stringify(schema), streamed: false };
  }

  /** The body's value for the handler; a 422 `HTTPException` when it is malformed or invalid. */
  read(bytes) {
    if (bytes.length === 0) {
      if (!this.required) return null;
      throw unprocessable([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
    }
    const input = decodeJson(bytes);
    const errors = [];
    const value = this.validate(input, ['body'], errors);
    if (errors.length > 0) throw unprocessable(errors);
    return value;
  }
}

function unprocessable(errors) {
  return new HTTPException(422, errors);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON body; malformed JSON is FastAPI's `json_invalid` error, located at the
 * character where parsing failed.
 */
export function decodeJson(bytes) {
  let text;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw jsonInvalid(0, 'invalid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const { position, reason } = locateJsonError(text, error.message);
    throw jsonInvalid(position, reason);
  }
}

function jsonInvalid(position, reason) {
  return unprocessable([
    { type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error', input: {}, ctx: { error: reason } },
  ]);
}

/**
 * SpiderMonkey says where JSON broke as "JSON.parse: <reason> at line L column C of the JSON
 * data"; FastAPI reports the character offset, as Python's `JSONDecodeError.pos`.
 */
function locateJsonError(text, message) {
  const match = /^(?:JSON\.parse: )?(.*?) at line (\d+) column (\d+)/.exec(message);
  if (!match) return { position: 0, reason: message };
  const [, reason, line, column] = match;
  let position = 0;
  for (let current = 1; current < Number(line); current += 1) {
    position = text.indexOf('\n', position) + 1;
  }
  return { position: position + Number(column) - 1, reason };
}

/** Any JSON value: `body.json()`, or `body.json({ optional: true })` for `null` without a body. */
function json(options = {}) {
  checkOptions(options, ['optional', 'description'], 'body.json()');
  return new Body({
    schema: {},
    required: options.optional !== true,
    description: options.description,
    validate: (input) => input,
  });
}

/**
 * A JSON object with declared fields, like a pydantic model:
 * `body.model({ name: field.str(), price: field.number({ gt: 0 }) }, { title: 'Item' })`.
 * A `title` names it, as a pydantic class is named: the OpenAPI document declares it once
 * under that name and refers to it.
 */
function model(fields, options = {}) {
  checkOptions(options, ['optional', 'description', 'title'], 'body.model()');
  const { schema, validate, defs } = objectShape(fields, 'body.model()', options.title);
  return new Body({
    schema: withDefs(schema, defs),
    required: options.optional !== true,
    description: options.description,
    validate,
  });
}

/** Builders of the request body. */
export const body = Object.freeze({ json, model });
