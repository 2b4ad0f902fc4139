#include "json.h"

#include <string.h>

// Deeper bodies are refused rather than followed, as Python refuses them past its recursion
// limit: the parser recurses once per level.
enum { MAX_DEPTH = 512 };

typedef struct parser {
    const uint8_t *text;
    size_t len;
    size_t pos;
    unsigned depth;
    json_status_t status;
    // Byte offset and message of the first syntax error.
    size_t error_pos;
    const char *reason;
} parser_t;

static bool parse_value(parser_t *p);

static bool fail(parser_t *p, size_t pos, const char *reason) {
    p->status = JSON_INVALID;
    p->error_pos = pos;
    p->reason = reason;
    return false;
}

static bool at(const parser_t *p, uint8_t byte) {
    return p->pos < p->len && p->text[p->pos] == byte;
}

static bool is_digit_at(const parser_t *p, size_t pos) {
    return pos < p->len && p->text[pos] >= '0' && p->text[pos] <= '9';
}

static bool is_hex(uint8_t byte) {
    return (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'f') ||
           (byte >= 'A' && byte <= 'F');
}

static void skip_whitespace(parser_t *p) {
    while (p->pos < p->len) {
        uint8_t byte = p->text[p->pos];
        if (byte != ' ' && byte != '\t' && byte != '\n' && byte != '\r') {
            return;
        }
        p->pos++;
    }
}

static void skip_digits(parser_t *p) {
    while (is_digit_at(p, p->pos)) {
        p->pos++;
    }
}

static bool parse_literal(parser_t *p, const char *word) {
    size_t len = strlen(word);
    if (p->len - p->pos < len || memcmp(p->text + p->pos, word, len) != 0) {
        return fail(p, p->pos, "Expecting value");
    }
    p->pos += len;
    return true;
}

// Python's number grammar: a fraction or an exponent counts only when digits follow it, so
// `1.` is the number `1` followed by a stray `.`.
static bool parse_number(parser_t *p) {
    size_t start = p->pos;
    if (at(p, '-')) {
        p->pos++;
    }
    if (at(p, '0')) {
        p->pos++;
    } else if (is_digit_at(p, p->pos)) {
        skip_digits(p);
    } else {
        return fail(p, start, "Expecting value");
    }
    if (at(p, '.') && is_digit_at(p, p->pos + 1)) {
        p->pos++;
        skip_digits(p);
    }
    if (at(p, 'e') || at(p, 'E')) {
        size_t digits = p->pos + 1;
        if (digits < p->len && (p->text[digits] == '+' || p->text[digits] == '-')) {
            digits++;
        }
        if (is_digit_at(p, digits)) {
            p->pos = digits;
            skip_digits(p);
        }
    }
    return true;
}

static bool parse_string(parser_t *p) {
    size_t start = p->pos++;
    while (p->pos < p->len) {
        uint8_t byte = p->text[p->pos];
        if (byte == '"') {
            p->pos++;
            return true;
        }
        if (byte < 0x20) {
            return fail(p, p->pos, "Invalid control character at");
        }
        if (byte != '\\') {
            p->pos++;
            continue;
        }
        if (p->pos + 1 == p->len) {
            break;
        }
        uint8_t escape = p->text[p->pos + 1];
        if (escape == 'u') {
            if (p->len - p->pos < 6 || !is_hex(p->text[p->pos + 2]) ||
                !is_hex(p->text[p->pos + 3]) || !is_hex(p->text[p->pos + 4]) ||
                !is_hex(p->text[p->pos + 5])) {
                return fail(p, p->pos + 1, "Invalid \\uXXXX escape");
            }
            p->pos += 6;
        } else if (memchr("\"\\/bfnrt", escape, 8) != NULL) {
            p->pos += 2;
        } else {
            return fail(p, p->pos, "Invalid \\escape");
        }
    }
    return fail(p, start, "Unterminated string starting at");
}

static bool parse_array(parser_t *p) {
    p->pos++;
    skip_whitespace(p);
    if (at(p, ']')) {
        p->pos++;
        return true;
    }
    for (;;) {
        if (!parse_value(p)) {
            return false;
        }
        skip_whitespace(p);
        if (at(p, ']')) {
            p->pos++;
            return true;
        }
        if (!at(p, ',')) {
            return fail(p, p->pos, "Expecting ',' delimiter");
        }
        p->pos++;
        skip_whitespace(p);
    }
}

static bool parse_object(parser_t *p) {
    p->pos++;
    skip_whitespace(p);
    if (at(p, '}')) {
        p->pos++;
        return true;
    }
    for (;;) {
        if (!at(p, '"')) {
            return fail(p, p->pos, "Expecting property name enclosed in double quotes");
        }
        if (!parse_string(p)) {
            return false;
        }
        skip_whitespace(p);
        if (!at(p, ':')) {
            return fail(p, p->pos, "Expecting ':' delimiter");
        }
        p->pos++;
        skip_whitespace(p);
        if (!parse_value(p)) {
            return false;
        }
        skip_whitespace(p);
        if (at(p, '}')) {
            p->pos++;
            return true;
        }
        if (!at(p, ',')) {
            return fail(p, p->pos, "Expecting ',' delimiter");
        }
        p->pos++;
        skip_whitespace(p);
    }
}

static bool parse_nested(parser_t *p, bool (*parse)(parser_t *)) {
    if (p->depth == MAX_DEPTH) {
        p->status = JSON_UNREADABLE;
        return false;
    }
    p->depth++;
    bool ok = parse(p);
    p->depth--;
    return ok;
}

static bool parse_value(parser_t *p) {
    if (p->pos == p->len) {
        return fail(p, p->pos, "Expecting value");
    }
    switch (p->text[p->pos]) {
    case '{':
        return parse_nested(p, parse_object);
    case '[':
        return parse_nested(p, parse_array);
    case '"':
        return parse_string(p);
    case 't':
        return parse_literal(p, "true");
    case 'f':
        return parse_literal(p, "false");
    case 'n':
        return parse_literal(p, "null");
    default:
        return parse_number(p);
    }
}

// Well-formed UTF-8 without surrogates: what a WIT string may hold. Python decodes a body
// before parsing it, and FastAPI answers 400 when that fails.
static bool is_utf8(const uint8_t *text, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t lead = text[i];
        if (lead < 0x80) {
            i++;
            continue;
        }
        size_t continuation;
        uint32_t code_point;
        uint32_t smallest;
        if ((lead & 0xe0) == 0xc0) {
            continuation = 1;
            code_point = lead & 0x1f;
            smallest = 0x80;
        } else if ((lead & 0xf0) == 0xe0) {
            continuation = 2;
            code_point = lead & 0x0f;
            smallest = 0x800;
        } else if ((lead & 0xf8) == 0xf0) {
            continuation = 3;
            code_point = lead & 0x07;
            smallest = 0x10000;
        } else {
            return false;
        }
        if (len - i <= continuation) {
            return false;
        }
        for (size_t k = 1; k <= continuation; k++) {
            if ((text[i + k] & 0xc0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (text[i + k] & 0x3f);
        }
        if (code_point < smallest || code_point > 0x10ffff ||
            (code_point >= 0xd800 && code_point <= 0xdfff)) {
            return false;
        }
        i += continuation + 1;
    }
    return true;
}

// Python reports positions in characters of the decoded text, not in bytes.
static size_t characters(const uint8_t *text, size_t bytes) {
    size_t count = 0;
    for (size_t i = 0; i < bytes; i++) {
        count += (text[i] & 0xc0) != 0x80;
    }
    return count;
}

json_status_t json_parse(const uint8_t *text, size_t len, json_span_t *value, json_error_t *error) {
    if (!is_utf8(text, len)) {
        return JSON_UNREADABLE;
    }
    // Python decodes a body that starts with a byte order mark as `utf-8-sig`, dropping it.
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    parser_t p = {.text = text, .len = len, .status = JSON_OK};
    skip_whitespace(&p);
    size_t start = p.pos;
    if (parse_value(&p)) {
        size_t end = p.pos;
        skip_whitespace(&p);
        if (p.pos == len) {
            *value = (json_span_t){text + start, end - start};
            return JSON_OK;
        }
        fail(&p, p.pos, "Extra data");
    }
    if (p.status == JSON_INVALID) {
        *error = (json_error_t){characters(text, p.error_pos), p.reason};
    }
    return p.status;
}

bool json_is_object(json_span_t value) {
    return value.len > 0 && value.ptr[0] == '{';
}

bool json_is_string(json_span_t value) {
    return value.len > 0 && value.ptr[0] == '"';
}

// Walks the members of an object `json_parse` accepted, so every step is known to succeed.
bool json_member(json_span_t object, const char *key, json_span_t *value) {
    parser_t p = {.text = object.ptr, .len = object.len, .pos = 1};
    size_t key_len = strlen(key);
    bool found = false;
    skip_whitespace(&p);
    while (at(&p, '"')) {
        size_t name = p.pos + 1;
        parse_string(&p);
        bool match = p.pos - 1 - name == key_len && memcmp(p.text + name, key, key_len) == 0;
        skip_whitespace(&p);
        p.pos++; // ':'
        skip_whitespace(&p);
        size_t start = p.pos;
        parse_value(&p);
        if (match) {
            *value = (json_span_t){p.text + start, p.pos - start};
            found = true;
        }
        skip_whitespace(&p);
        p.pos++; // ',' or '}'
        skip_whitespace(&p);
    }
    return found;
}

bool json_uint(const uint8_t *text, size_t len, uint64_t *value) {
    if (len == 0) {
        return false;
    }
    uint64_t result = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        unsigned digit = text[i] - '0';
        if (result > (UINT64_MAX - digit) / 10) {
            return false;
        }
        result = result * 10 + digit;
    }
    *value = result;
    return true;
}
