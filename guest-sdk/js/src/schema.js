// The JSON Schema of one value — its type and the constraints FastAPI's `Query(ge=1, ...)`
// options express — shared by parameters (validated by the host) and body fields (validated
// in the guest, by `validate.js`).

// JavaScript numbers hold integers exactly only up to 2^53 - 1: wider values would be rounded
// without notice, so the declared range makes them a 422 instead.
const SAFE_INTEGER = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

/** The value types, by the name used in declarations (`query.int()`, `query.list('int')`). */
export const SCALAR_TYPES = {
  int: () => ({ type: 'integer', ...SAFE_INTEGER }),
  number: () => ({ type: 'number' }),
  str: () => ({ type: 'string' }),
  bool: () => ({ type: 'boolean' }),
};

// Option name → JSON Schema keyword, with the value types each applies to. On a list, the
// length is a count of items: pydantic's `min_length` there is JSON Schema's `minItems`.
const CONSTRAINTS = {
  gt: { keyword: 'exclusiveMinimum', types: ['integer', 'number'] },
  ge: { keyword: 'minimum', types: ['integer', 'number'] },
  lt: { keyword: 'exclusiveMaximum', types: ['integer', 'number'] },
  le: { keyword: 'maximum', types: ['integer', 'number'] },
  minLength: { keyword: 'minLength', types: ['string', 'array'], arrayKeyword: 'minItems' },
  maxLength: { keyword: 'maxLength', types: ['string', 'array'], arrayKeyword: 'maxItems' },
  pattern: { keyword: 'pattern', types: ['string'] },
  enum: { keyword: 'enum', types: ['integer', 'number', 'string'] },
};

/** The option names that constrain a value. */
export const CONSTRAINT_OPTIONS = Object.keys(CONSTRAINTS);

/**
 * `schema` with the constraints among `options` added; `what` names the declaration in errors.
 * A constraint that cannot apply to the type (`pattern` on an integer) is a mistake worth
 * reporting at build time rather than a rule that silently never fires.
 */
export function constrain(schema, options, what) {
  const constrained = { ...schema };
  for (const [option, { keyword, types, arrayKeyword }] of Object.entries(CONSTRAINTS)) {
    const value = options[option];
    if (value === undefined) continue;
    if (!types.includes(schema.type)) {
      throw new TypeError(`${what}: \`${option}\` does not apply to ${schema.type} values`);
    }
    checkConstraint(option, value, what);
    const name = schema.type === 'array' ? arrayKeyword : keyword;
    constrained[name] = option === 'pattern' ? patternSource(value, what) : value;
  }
  return constrained;
}

function checkConstraint(option, value, what) {
  const fail = (expected) => {
    throw new TypeError(`${what}: \`${option}\` must be ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (option) {
    case 'minLength':
    case 'maxLength':
      if (!Number.isInteger(value) || value < 0) fail('a non-negative integer');
      break;
    case 'pattern':
      if (typeof value !== 'string' && !(value instanceof RegExp)) fail('a string or a RegExp');
      break;
    case 'enum':
      if (!Array.isArray(value) || value.length === 0) fail('a non-empty array');
      break;
    default:
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a finite number');
  }
}

// A RegExp is accepted for convenience; its flags cannot travel in JSON Schema.
function patternSource(pattern, what) {
  if (pattern instanceof RegExp) {
    if (pattern.flags.replace(/[gy]/g, '') !== '') {
      throw new TypeError(`${what}: \`pattern\` ${pattern} has flags, which a schema cannot carry`);
    }
    return pattern.source;
  }
  // Checked now, so that a typo fails the build rather than a request.
  try {
    new RegExp(pattern);
  } catch (error) {
    throw new TypeError(`${what}: \`pattern\` is not a valid regular expression: ${error.message}`);
  }
  return pattern;
}

/** Throws when `options` holds a name outside `allowed`: a misspelt option is a silent bug. */
export function checkOptions(options, allowed, what) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object, got ${JSON.stringify(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) {
      throw new TypeError(`${what}: unknown option \`${name}\` (expected one of: ${allowed.join(', ')})`);
    }
  }
}
