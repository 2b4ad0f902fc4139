// A growing byte buffer: how this component writes response bodies and error details.
//
// The bindings `free` what an export returns once the host has copied it, so a buffer's bytes
// come from `realloc` and are handed over, not copied, by `text_into_string` and
// `text_into_bytes`.
#ifndef C_HELLO_TEXT_H
#define C_HELLO_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "sync_service.h"

typedef struct text {
    uint8_t *ptr;
    size_t len;
    size_t cap;
} text_t;

void text_append(text_t *text, const void *bytes, size_t len);
void text_append_cstr(text_t *text, const char *cstr);
void text_append_string(text_t *text, const sync_service_string_t *string);
void text_append_uint(text_t *text, uint64_t value);

// Appends `cstr` as a JSON string literal, quoted and escaped.
void text_append_json_string(text_t *text, const char *cstr);

// Hands the bytes over as a WIT string, leaving `text` empty. They must be UTF-8: returning
// anything else traps, and the host answers 500.
sync_service_string_t text_into_string(text_t *text);

// Hands the bytes over as a WIT `list<u8>`, leaving `text` empty.
sync_service_list_u8_t text_into_bytes(text_t *text);

#endif
