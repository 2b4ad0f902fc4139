// Validating decoded JSON against a declared schema as pydantic does in lax mode, with its error
// types and messages, so that a bad body gets the 422 FastAPI would send. Parameters never come
// here: the host validates them before the guest is called.

/** One entry of a 422's `detail` list, with its keys in FastAPI's order. */
export function validationError({ type, msg, ctx }, loc, input) {
  return ctx === undefined ? { type, loc, msg, input } : { type, loc, msg, input, ctx };
}

/** `input` as a value of JSON Schema `type`: `{ ok: value }` or `{ failure: { type, msg } }`. */
export function coerceScalar(type, input) {
  switch (type) {
    case 'string':
      return typeof input === 'string'
        ? { ok: input }
        : failure('string_type', 'Input should be a valid string');
    case 'integer':
      return coerceInteger(input);
    case 'number':
      return coerceNumber(input);
    case 'boolean':
      return coerceBoolean(input);
    default:
      return { ok: input };
  }
}

function failure(type, msg) {
  return { failure: { type, msg } };
}

function coerceInteger(input) {
  if (typeof input === 'boolean') return { ok: Number(input) };
  if (typeof input === 'number') {
    return Number.isInteger(input)
      ? { ok: input }
      : failure('int_from_float', 'Input should be a valid integer, got a number with a fractional part');
  }
  if (typeof input === 'string') {
    const text = input.trim();
    return /^[+-]?\d+$/.test(text)
      ? { ok: Number(text) }
      : failure('int_parsing', 'Input should be a valid integer, unable to parse string as an integer');
  }
  return failure('int_type', 'Input should be a valid integer');
}

function coerceNumber(input) {
  if (typeof input === 'boolean') return { ok: Number(input) };
  if (typeof input === 'number') return { ok: input };
  if (typeof input === 'string') {
    const text = input.trim();
    const number = Number(text);
    return text !== '' && Number.isFinite(number)
      ? { ok: number }
      : failure('float_parsing', 'Input should be a valid number, unable to parse string as a number');
  }
  return failure('float_type', 'Input should be a valid number');
}

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

function coerceBoolean(input) {
  if (typeof input === 'boolean') return { ok: input };
  const unreadable = failure('bool_parsing', 'Input should be a valid boolean, unable to interpret input');
  if (typeof input === 'number') return input === 0 || input === 1 ? { ok: input === 1 } : unreadable;
  if (typeof input === 'string') {
    const word = input.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return { ok: true };
    if (FALSE_WORDS.has(word)) return { ok: false };
    return unreadable;
  }
  return failure('bool_type', 'Input should be a valid boolean');
}

// Bound keyword → pydantic's error type, `ctx` key, wording and test.
const BOUNDS = [
  ['exclusiveMinimum', 'greater_than', 'gt', 'greater than', (value, bound) => value > bound],
  ['minimum', 'greater_than_equal', 'ge', 'greater than or equal to', (value, bound) => value >= bound],
  ['exclusiveMaximum', 'less_than', 'lt', 'less than', (value, bound) => value < bound],
  ['maximum', 'less_than_equal', 'le', 'less than or equal to', (value, bound) => value <= bound],
];

/**
 * The first constraint of `schema` that `value` (already of the schema's type) breaks, as
 * `{ type, msg, ctx }`, or `undefined`.
 */
export function checkValue(schema, value) {
  if (schema.enum && !schema.enum.includes(value)) {
    const expected = quoteChoices(schema.enum);
    return { type: 'enum', msg: `Input should be ${expected}`, ctx: { expected } };
  }
  if (typeof value === 'number') {
    for (const [keyword, type, key, words, holds] of BOUNDS) {
      const bound = schema[keyword];
      if (bound !== undefined && !holds(value, bound)) {
        return { type, msg: `Input should be ${words} ${bound}`, ctx: { [key]: bound } };
      }
    }
  }
  if (typeof value === 'string') return checkString(schema, value);
  if (Array.isArray(value)) return checkList(schema, value);
  return undefined;
}

function checkString(schema, value) {
  // pydantic counts characters (code points), not UTF-16 units.
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    const min = schema.minLength;
    return {
      type: 'string_too_short',
      msg: `String should have at least ${min} character${plural(min)}`,
      ctx: { min_length: min },
    };
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    const max = schema.maxLength;
    return {
      type: 'string_too_long',
      msg: `String should have at most ${max} character${plural(max)}`,
      ctx: { max_length: max },
    };
  }
  if (schema.pattern !== undefined && !compiled(schema.pattern).test(value)) {
    return {
      type: 'string_pattern_mismatch',
      msg: `String should match pattern '${schema.pattern}'`,
      ctx: { pattern: schema.pattern },
    };
  }
  return undefined;
}

function checkList(schema, value) {
  const actual = value.length;
  if (schema.minItems !== undefined && actual < schema.minItems) {
    const min = schema.minItems;
    return {
      type: 'too_short',
      msg: `List should have at least ${min} item${plural(min)} after validation, not ${actual}`,
      ctx: { field_type: 'List', min_length: min, actual_length: actual },
    };
  }
  if (schema.maxItems !== undefined && actual > schema.maxItems) {
    const max = schema.maxItems;
    return {
      type: 'too_long',
      msg: `List should have at most ${max} item${plural(max)} after validation, not ${actual}`,
      ctx: { field_type: 'List', max_length: max, actual_length: actual },
    };
  }
  return undefined;
}

function plural(count) {
  return count === 1 ? '' : 's';
}

const patterns = new Map();

function compiled(pattern) {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    patterns.set(pattern, regex);
  }
  return regex;
}

/** `'a', 'b' or 'c'`, as pydantic lists the allowed values. */
function quoteChoices(choices) {
  const quoted = choices.map((choice) => (typeof choice === 'string' ? `'${choice}'` : JSON.stringify(choice)));
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0];
}
