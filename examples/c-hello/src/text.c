#include "text.h"

#include <stdlib.h>
#include <string.h>

void text_append(text_t *text, const void *bytes, size_t len) {
    if (len == 0) {
        return;
    }
    if (len > text->cap - text->len) {
        size_t cap = text->cap ? text->cap : 64;
        while (cap - text->len < len) {
            if (cap > SIZE_MAX / 2) {
                abort();
            }
            cap *= 2;
        }
        uint8_t *ptr = realloc(text->ptr, cap);
        if (ptr == NULL) {
            // Out of memory: trapping makes the host answer 500 and start a fresh instance.
            abort();
        }
        text->ptr = ptr;
        text->cap = cap;
    }
    memcpy(text->ptr + text->len, bytes, len);
    text->len += len;
}

void text_append_cstr(text_t *text, const char *cstr) {
    text_append(text, cstr, strlen(cstr));
}

void text_append_string(text_t *text, const sync_service_string_t *string) {
    text_append(text, string->ptr, string->len);
}

void text_append_uint(text_t *text, uint64_t value) {
    char digits[20];
    size_t start = sizeof digits;
    do {
        digits[--start] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    text_append(text, digits + start, sizeof digits - start);
}

void text_append_json_string(text_t *text, const char *cstr) {
    static const char hex[] = "0123456789abcdef";
    text_append(text, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)cstr; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            text_append(text, "\\", 1);
            text_append(text, c, 1);
        } else if (*c < 0x20) {
            char escape[] = {'\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 0xf]};
            text_append(text, escape, sizeof escape);
        } else {
            text_append(text, c, 1);
        }
    }
    text_append(text, "\"", 1);
}

// The bindings free only non-empty strings and lists, so an empty buffer releases its own.
static uint8_t *take(text_t *text, size_t *len) {
    uint8_t *ptr = text->ptr;
    *len = text->len;
    if (*len == 0) {
        free(ptr);
        ptr = NULL;
    }
    *text = (text_t){0};
    return ptr;
}

sync_service_string_t text_into_string(text_t *text) {
    sync_service_string_t string;
    string.ptr = take(text, &string.len);
    return string;
}

sync_service_list_u8_t text_into_bytes(text_t *text) {
    sync_service_list_u8_t bytes;
    bytes.ptr = take(text, &bytes.len);
    return bytes;
}
