#include "http.h"

#include <stdlib.h>
#include <string.h>

bool string_equals(const sync_service_string_t *string, const char *cstr) {
    size_t len = strlen(cstr);
    return string->len == len && memcmp(string->ptr, cstr, len) == 0;
}

const sync_service_string_t *request_param(const fastwasm_app_types_request_t *req,
                                           const char *name) {
    for (size_t i = 0; i < req->params.len; i++) {
        if (string_equals(&req->params.ptr[i].f0, name)) {
            return &req->params.ptr[i].f1;
        }
    }
    return NULL;
}

const sync_service_string_t *dependency_value(const fastwasm_app_types_dependency_t *deps,
                                              size_t count, const char *name) {
    for (size_t i = 0; i < count; i++) {
        if (string_equals(&deps[i].name, name)) {
            return &deps[i].value;
        }
    }
    return NULL;
}

void fields_add(fastwasm_app_types_fields_t *fields, const char *name, const char *value) {
    sync_service_tuple2_string_list_u8_t *grown =
        realloc(fields->ptr, (fields->len + 1) * sizeof *fields->ptr);
    if (grown == NULL) {
        abort();
    }
    fields->ptr = grown;
    sync_service_tuple2_string_list_u8_t *field = &fields->ptr[fields->len++];
    sync_service_string_dup(&field->f0, name);
    text_t bytes = {0};
    text_append_cstr(&bytes, value);
    field->f1 = text_into_bytes(&bytes);
}

void reply_json(fastwasm_app_types_response_t *response, uint16_t status, text_t *body) {
    *response = (fastwasm_app_types_response_t){.status = status, .body = text_into_bytes(body)};
    fields_add(&response->headers, "content-type", "application/json");
}

void reply_error(fastwasm_app_types_http_error_t *error, uint16_t status, text_t *detail) {
    *error =
        (fastwasm_app_types_http_error_t){.status = status, .detail = text_into_string(detail)};
}

void reply_error_message(fastwasm_app_types_http_error_t *error, uint16_t status,
                         const char *message) {
    text_t detail = {0};
    text_append_json_string(&detail, message);
    reply_error(error, status, &detail);
}
