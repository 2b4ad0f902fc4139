// Just enough JSON for a request body, with no allocation: a strict RFC 8259 validator that
// reports the first error as Python's `json` module does (so a bad body gets FastAPI's exact
// 422), and lookups in what it accepted. Values are spans of the input, never decoded, so they
// can be echoed back verbatim. Unlike Python it refuses `NaN` and `Infinity`, which are not
// JSON, and surrogate code points, which a WIT string cannot carry.
#ifndef C_HELLO_JSON_H
#define C_HELLO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_span {
    const uint8_t *ptr;
    size_t len;
} json_span_t;

typedef enum json_status {
    JSON_OK,
    // Not UTF-8, or nested deeper than this parser follows: FastAPI's 400.
    JSON_UNREADABLE,
    // A syntax error, described by a `json_error_t`: FastAPI's 422 `json_invalid`.
    JSON_INVALID,
} json_status_t;

typedef struct json_error {
    // Where the error is, in characters from the start, as Python counts.
    size_t offset;
    // Python's message, e.g. "Expecting value".
    const char *reason;
} json_error_t;

// Parses `text`, one JSON value with optional whitespace around it. On `JSON_OK`, `value` is
// the value without the whitespace; on `JSON_INVALID`, `error` says what is wrong.
json_status_t json_parse(const uint8_t *text, size_t len, json_span_t *value, json_error_t *error);

// Whether `value` is an object, a string: it must come from `json_parse`.
bool json_is_object(json_span_t value);
bool json_is_string(json_span_t value);

// Finds member `key` of `object` (from `json_parse`), the last one when the key repeats, as
// Python keeps it. Keys are compared as written: a key spelled with escapes does not match.
bool json_member(json_span_t object, const char *key, json_span_t *value);

// Reads a non-negative integer written in plain digits, as the host writes the value of an
// integer parameter.
bool json_uint(const uint8_t *text, size_t len, uint64_t *value);

#endif
