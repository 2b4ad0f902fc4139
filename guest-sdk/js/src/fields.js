// The fields of a JSON body model, FastAPI's pydantic `BaseModel`:
// `body.model({ name: field.str(), price: field.number({ gt: 0 }), tags: field.list(field.str(), { default: [] }) })`.
// Each field declares its JSON Schema (for the host's OpenAPI) and validates a decoded value
// the way pydantic's lax mode does, reporting failures in FastAPI's 422 shape.

import { CONSTRAINT_OPTIONS, SCALAR_TYPES, checkOptions, constrain } from './schema.js';
import { checkValue, coerceScalar, validationError } from './validate.js';

const FIELD_OPTIONS = ['default', 'optional', 'description', ...CONSTRAINT_OPTIONS];

/** One field of a model, or the element type of a list. */
export class Field {
  #nullable;
  #validate;

  constructor({ schema, required, nullable, fallback, validate }) {
    /** JSON Schema of the field, as declared. */
    this.schema = schema;
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
}

/** A field of `schema` with the `default`, `optional` and `description` of `options`. */
function makeField(options, schema, validate) {
  const hasDefault = options.default !== undefined;
  const nullable = options.optional === true;
  const declared = { ...schema };
  if (hasDefault) declared.default = options.default;
  if (options.description !== undefined) declared.description = options.description;
  return new Field({
    schema: declared,
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
  return makeField(options, schema, (input, loc, errors) => {
    if (!Array.isArray(input)) {
      errors.push({ type: 'list_type', loc, msg: 'Input should be a valid list', input });
      return undefined;
    }
    const values = input.map((element, index) => item.validate(element, [...loc, index], errors));
    const failure = checkValue(schema, values);
    if (failure) errors.push(validationError(failure, loc, input));
    return values;
  });
}

/** A nested model: an object with declared fields. */
function model(fields, options = {}) {
  checkOptions(options, ['default', 'optional', 'description'], 'field.model()');
  const shape = objectShape(fields, 'field.model()');
  return makeField(options, shape.schema, shape.validate);
}

/** Any JSON value, unchecked. */
function any(options = {}) {
  checkOptions(options, ['default', 'optional', 'description'], 'field.any()');
  return makeField(options, {}, (input) => input);
}

/**
 * The schema and validator of an object with `fields`. Unknown keys are dropped, as pydantic
 * ignores extra fields; absent optional ones take their fallback.
 */
export function objectShape(fields, what) {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new TypeError(`${what}: fields must be an object of field.*() declarations`);
  }
  const properties = {};
  const required = [];
  for (const [name, declared] of Object.entries(fields)) {
    if (!(declared instanceof Field)) {
      throw new TypeError(`${what}: \`${name}\` must be declared with field.*(), e.g. field.str()`);
    }
    properties[name] = declared.schema;
    if (declared.required) required.push(name);
  }
  const schema = { type: 'object', properties, required };
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
  return { schema, validate };
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
