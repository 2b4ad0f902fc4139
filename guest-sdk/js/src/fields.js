// The fields of a JSON body model, FastAPI's pydantic `BaseModel`:
// `body.model({ name: field.str(), price: field.number({ gt: 0 }), tags: field.list(field.str(), { default: [] }) })`.
// Each field declares its JSON Schema (for the host's OpenAPI), in the shape pydantic gives it,
// and validates a decoded value the way pydantic's lax mode does, reporting failures in FastAPI's
// 422 shape.

import { CONSTRAINT_OPTIONS, SCALAR_TYPES, checkOptions, constrain } from './schema.js';
import { checkValue, coerceScalar, validationError } from './validate.js';

const FIELD_OPTIONS = ['default', 'optional', 'description', ...CONSTRAINT_OPTIONS];
const MODEL_OPTIONS = ['default', 'optional', 'description', 'title'];

/** One field of a model, or the element type of a list. */
export class Field {
  #nullable;
  #validate;

  constructor({ schema, defs, modelTitle, required, nullable, fallback, validate }) {
    /** JSON Schema of the field, as declared; a named model in it is a `$ref` into `defs`. */
    this.schema = schema;
    /** The named models the schema refers to: title → schema. */
    this.defs = defs;
    /** The title of the named model the field is, if it is one; that title speaks for it. */
    this.modelTitle = modelTitle;
    /** Whether a body without it is a 422 `missing`. */
    this.required = required;
    /** The value of an absent field that is not required: its default, else `null`. */
    this.fallback = fallback;
    this.#nullable = nullable;
    this.#validate = validate;
  }

  /**
   * The validated (and coerced) value of `input`, read at `loc`; failures are pushed on
   * `errors` and the result is then meaningless.
   */
  validate(input, loc, errors) {
    // An optional field also accepts an explicit `null`, as `str | None = None` does.
    if (input === null && this.#nullable) return null;
    return this.#validate(input, loc, errors);
  }

  /** The field's schema standing alone (as a response model), with the models it refers to. */
  standalone() {
    // A named model is then its own root, as pydantic's schema of a model class is.
    if (this.schema.$ref !== undefined) {
      const defs = new Map(this.defs);
      const root = defs.get(this.modelTitle);
      defs.delete(this.modelTitle);
      return withDefs(root, defs);
    }
    return withDefs(this.schema, this.defs);
  }
}

/**
 * A field of `schema` with the `default`, `optional` and `description` of `options`. An
 * optional field is declared as pydantic declares `str | None = None`: either the type or
 * `null`, defaulting to `null`.
 */
function makeField(options, schema, validate, { defs = new Map(), modelTitle } = {}) {
  const hasDefault = options.default !== undefined;
  const nullable = options.optional === true;
  const declared = nullable ? { anyOf: [schema, { type: 'null' }] } : { ...schema };
  if (hasDefault) declared.default = options.default;
  else if (nullable) declared.default = null;
  if (options.description !== undefined) declared.description = options.description;
  return new Field({
    schema: declared,
    defs,
    modelTitle,
    required: !hasDefault && !nullable,
    nullable,
    // Copied per request: a handler that changes a default list must not change the next one's.
    fallback: hasDefault ? () => structuredClone(options.default) : () => null,
    validate,
  });
}

function scalar(type) {
  return (options = {}) => {
    const what = `field.${type}()`;
    checkOptions(options, FIELD_OPTIONS, what);
    const schema = constrain(SCALAR_TYPES[type](), options, what);
    return makeField(options, schema, (input, loc, errors) => {
      const value = coerceScalar(schema.type, input);
      const failure = value.failure ?? checkValue(schema, value.ok);
      if (failure) {
        errors.push(validationError(failure, loc, input));
        return undefined;
      }
      return value.ok;
    });
  };
}

function list(item, options = {}) {
  const what = 'field.list()';
  if (!(item instanceof Field)) {
    throw new TypeError(`${what}: the item type must be a field, e.g. field.list(field.str())`);
  }
  checkOptions(options, ['default', 'optional', 'description', 'minLength', 'maxLength'], what);
  const schema = constrain({ type: 'array', items: item.schema }, options, what);
  const validate = (input, loc, errors) => {
    if (!Array.isArray(input)) {
      errors.push({ type: 'list_type', loc, msg: 'Input should be a valid list', input });
      return undefined;
    }
    const values = input.map((element, index) => item.validate(element, [...loc, index], errors));
    const failure = checkValue(schema, values);
    if (failure) errors.push(validationError(failure, loc, input));
    return values;
  };
  return makeField(options, schema, validate, { defs: item.defs });
}

/**
 * A nested model: an object with declared fields. With a `title` it is a named model, as a
 * pydantic class is: declared once under `$defs` and referred to by `$ref`.
 */
function model(fields, options = {}) {
  const what = 'field.model()';
  checkOptions(options, MODEL_OPTIONS, what);
  const shape = objectShape(fields, what, options.title);
  if (options.title === undefined) return makeField(options, shape.schema, shape.validate, { defs: shape.defs });
  // Models nested in it stay beside it, not inside: pydantic keeps every `$defs` at the root.
  const defs = mergeDefs(shape.defs, new Map([[options.title, shape.schema]]), what);
  const reference = { $ref: `#/$defs/${options.title}` };
  return makeField(options, reference, shape.validate, { defs, modelTitle: options.title });
}

/** Any JSON value, unchecked. */
function any(options = {}) {
  checkOptions(options, ['default', 'optional', 'description'], 'field.any()');
  return makeField(options, {}, (input) => input);
}

/**
 * The schema, validator and referred named models of an object with `fields`, titled `title`
 * when it is a named model. Unknown keys are dropped, as pydantic ignores extra fields; absent
 * optional ones take their fallback.
 */
export function objectShape(fields, what, title) {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new TypeError(`${what}: fields must be an object of field.*() declarations`);
  }
  if (title !== undefined) checkTitle(title, what);
  const properties = {};
  const required = [];
  const defs = new Map();
  for (const [name, declared] of Object.entries(fields)) {
    if (!(declared instanceof Field)) {
      throw new TypeError(`${what}: \`${name}\` must be declared with field.*(), e.g. field.str()`);
    }
    properties[name] =
      declared.modelTitle === undefined ? { ...declared.schema, title: propertyTitle(name) } : declared.schema;
    if (declared.required) required.push(name);
    mergeDefs(defs, declared.defs, what);
  }
  if (defs.has(title)) {
    throw new TypeError(
      `${what}: it is titled \`${title}\` and so is a model among its fields; give each its own title`,
    );
  }
  const schema = { type: 'object', properties };
  if (required.length > 0) schema.required = required;
  if (title !== undefined) schema.title = title;
  const validate = (input, loc, errors) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      errors.push({
        type: 'model_attributes_type',
        loc,
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input,
      });
      return undefined;
    }
    const value = {};
    for (const [name, declared] of Object.entries(fields)) {
      if (!Object.hasOwn(input, name)) {
        if (declared.required) {
          errors.push({ type: 'missing', loc: [...loc, name], msg: 'Field required', input });
        } else {
          value[name] = declared.fallback();
        }
        continue;
      }
      value[name] = declared.validate(input[name], [...loc, name], errors);
    }
    return value;
  };
  return { schema, validate, defs };
}

/** `schema` with the named models it refers to under `$defs`, as pydantic's root schemas are. */
export function withDefs(schema, defs) {
  return defs.size === 0 ? schema : { ...schema, $defs: Object.fromEntries(defs) };
}

/**
 * Adds `more` to `defs`. Two different models of one title would be one schema in the OpenAPI
 * document, so that is refused rather than one silently replacing the other.
 */
export function mergeDefs(defs, more, what) {
  for (const [title, schema] of more) {
    const known = defs.get(title);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(schema)) {
      throw new TypeError(`${what}: two different models are titled \`${title}\`; give each its own title`);
    }
    defs.set(title, schema);
  }
  return defs;
}

// The title becomes the model's name under the OpenAPI document's `components/schemas`, whose
// keys must match this.
const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;

function checkTitle(title, what) {
  if (typeof title !== 'string' || !COMPONENT_NAME.test(title)) {
    throw new TypeError(
      `${what}: \`title\` must be letters, digits, \`.\`, \`_\` or \`-\` (an OpenAPI component name), ` +
        `got ${JSON.stringify(title)}`,
    );
  }
}

/** pydantic's default title of a field: `item_id` is "Item Id". */
function propertyTitle(name) {
  const words = name.split('_').filter((word) => word !== '');
  return words.map((word) => word[0].toUpperCase() + word.slice(1)).join(' ') || name;
}

/** Builders of body model fields. */
export const field = Object.freeze({
  int: scalar('int'),
  number: scalar('number'),
  str: scalar('str'),
  bool: scalar('bool'),
  list,
  model,
  any,
});
