// Reading a request and writing a reply in the contract's types.
//
// Parameters and dependencies arrive as JSON text the host has already validated; replies carry
// JSON text the host passes on (a response body) or wraps (`{"detail": ...}` of an error).
#ifndef C_HELLO_HTTP_H
#define C_HELLO_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "sync_service.h"
#include "text.h"

bool string_equals(const sync_service_string_t *string, const char *cstr);

// The JSON value of the declared parameter `name`, or NULL when the request has none.
const sync_service_string_t *request_param(const fastwasm_app_types_request_t *req,
                                           const char *name);

// The JSON value of the dependency `name`, or NULL when it was not resolved.
const sync_service_string_t *dependency_value(const fastwasm_app_types_dependency_t *deps,
                                              size_t count, const char *name);

// Adds a header; `name` must be lowercase.
void fields_add(fastwasm_app_types_fields_t *fields, const char *name, const char *value);

// A response of `status` whose body is the JSON in `body`, which it takes over.
void reply_json(fastwasm_app_types_response_t *response, uint16_t status, text_t *body);

// An error of `status` whose detail is the JSON in `detail`, which it takes over; its headers
// start empty.
void reply_error(fastwasm_app_types_http_error_t *error, uint16_t status, text_t *detail);

// An error of `status` whose detail is the string `message`.
void reply_error_message(fastwasm_app_types_http_error_t *error, uint16_t status,
                         const char *message);

#endif
