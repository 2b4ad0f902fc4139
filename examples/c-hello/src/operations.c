// `handler.handle`: the path operations `describe` declares, selected by operation id.

#include <stdlib.h>

#include "http.h"
#include "json.h"

// Whether it answered `response` (else `error`). Parameters and dependencies are JSON text
// the host validated against the declared schemas.
typedef bool (*operation_fn)(const fastwasm_app_types_request_t *req,
                             const exports_fastwasm_app_handler_list_dependency_t *deps,
                             fastwasm_app_types_response_t *response,
                             fastwasm_app_types_http_error_t *error);

// GET /items/{item_id}?q=: echoes both; ids past 1000 are a 404 with a header.
static bool read_item(const fastwasm_app_types_request_t *req,
                      const exports_fastwasm_app_handler_list_dependency_t *deps,
                      fastwasm_app_types_response_t *response,
                      fastwasm_app_types_http_error_t *error) {
    (void)deps;
    const sync_service_string_t *item_id = request_param(req, "item_id");
    const sync_service_string_t *q = request_param(req, "q");
    uint64_t id;
    if (item_id == NULL || !json_uint(item_id->ptr, item_id->len, &id)) {
        reply_error_message(error, 500, "item_id is not the integer its schema declares");
        return false;
    }
    if (id > 1000) {
        reply_error_message(error, 404, "Item not found");
        fields_add(&error->headers, "x-error", "there goes my error");
        return false;
    }
    text_t body = {0};
    text_append_cstr(&body, "{\"item_id\":");
    text_append_string(&body, item_id);
    text_append_cstr(&body, ",\"q\":");
    if (q != NULL) {
        text_append_string(&body, q);
    } else {
        text_append_cstr(&body, "null");
    }
    text_append_cstr(&body, "}");
    reply_json(response, 200, &body);
    return true;
}

// A 422 with one error in FastAPI's shape; `input` is JSON text.
static void validation_error(fastwasm_app_types_http_error_t *error, const char *type,
                             const char *loc, const char *msg, json_span_t input) {
    text_t detail = {0};
    text_append_cstr(&detail, "[{\"type\":");
    text_append_json_string(&detail, type);
    text_append_cstr(&detail, ",\"loc\":");
    text_append_cstr(&detail, loc);
    text_append_cstr(&detail, ",\"msg\":");
    text_append_json_string(&detail, msg);
    text_append_cstr(&detail, ",\"input\":");
    text_append(&detail, input.ptr, input.len);
    text_append_cstr(&detail, "}]");
    reply_error(error, 422, &detail);
}

// A syntax error, as FastAPI reports Python's `JSONDecodeError`.
static void json_invalid(fastwasm_app_types_http_error_t *error, const json_error_t *syntax) {
    text_t detail = {0};
    text_append_cstr(&detail, "[{\"type\":\"json_invalid\",\"loc\":[\"body\",");
    text_append_uint(&detail, syntax->offset);
    text_append_cstr(&detail, "],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":");
    text_append_json_string(&detail, syntax->reason);
    text_append_cstr(&detail, "}}]");
    reply_error(error, 422, &detail);
}

// POST /items: the body must be an object with a string `name`, which it echoes with 201.
static bool create_item(const fastwasm_app_types_request_t *req,
                        const exports_fastwasm_app_handler_list_dependency_t *deps,
                        fastwasm_app_types_response_t *response,
                        fastwasm_app_types_http_error_t *error) {
    (void)deps;
    static const json_span_t null = {(const uint8_t *)"null", 4};
    if (req->body.len == 0) {
        validation_error(error, "missing", "[\"body\"]", "Field required", null);
        return false;
    }
    json_span_t item;
    json_error_t syntax;
    switch (json_parse(req->body.ptr, req->body.len, &item, &syntax)) {
    case JSON_OK:
        break;
    case JSON_UNREADABLE:
        reply_error_message(error, 400, "There was an error parsing the body");
        return false;
    case JSON_INVALID:
        json_invalid(error, &syntax);
        return false;
    }
    if (!json_is_object(item)) {
        validation_error(error, "model_attributes_type", "[\"body\"]",
                         "Input should be a valid dictionary or object to extract fields from",
                         item);
        return false;
    }
    json_span_t name;
    if (!json_member(item, "name", &name)) {
        validation_error(error, "missing", "[\"body\",\"name\"]", "Field required", item);
        return false;
    }
    if (!json_is_string(name)) {
        validation_error(error, "string_type", "[\"body\",\"name\"]",
                         "Input should be a valid string", name);
        return false;
    }
    text_t body = {0};
    text_append_cstr(&body, "{\"name\":");
    text_append(&body, name.ptr, name.len);
    text_append_cstr(&body, "}");
    reply_json(response, 201, &body);
    return true;
}

// GET /whoami: the value of the `client` dependency.
static bool whoami(const fastwasm_app_types_request_t *req,
                   const exports_fastwasm_app_handler_list_dependency_t *deps,
                   fastwasm_app_types_response_t *response,
                   fastwasm_app_types_http_error_t *error) {
    (void)req;
    const sync_service_string_t *client = dependency_value(deps->ptr, deps->len, "client");
    if (client == NULL) {
        reply_error_message(error, 500, "the client dependency was not resolved");
        return false;
    }
    text_t body = {0};
    text_append_cstr(&body, "{\"client\":");
    text_append_string(&body, client);
    text_append_cstr(&body, "}");
    reply_json(response, 200, &body);
    return true;
}

// `bytes` as a JSON string, through a C string for the escaper (a NUL in them ends it).
static void append_json_bytes(text_t *text, const uint8_t *bytes, size_t len) {
    text_t copy = {0};
    text_append(&copy, bytes, len);
    text_append(&copy, "", 1);
    text_append_json_string(text, (const char *)copy.ptr);
    free(copy.ptr);
}

// The outbound failure kinds, as `fastwasm:app/outbound` names them.
static const char *const ERROR_KINDS[] = {
    "denied", "invalid-request", "connect", "timeout", "too-large", "cancelled", "protocol",
};

// GET /relay?url=: fetches `url` through the host (`fastwasm:app/outbound`, which holds it to
// the component's `allowed_outbound_hosts`) and answers {"status": …, "body": "…"}; a failed
// call is a 502 whose detail names the kind and the reason.
static bool relay(const fastwasm_app_types_request_t *req,
                  const exports_fastwasm_app_handler_list_dependency_t *deps,
                  fastwasm_app_types_response_t *response,
                  fastwasm_app_types_http_error_t *error) {
    (void)deps;
    // The declared pattern admits no `"` or `\`: the JSON text is the URL in quotes.
    const sync_service_string_t *url = request_param(req, "url");
    if (url == NULL || url->len < 2) {
        reply_error_message(error, 500, "url is not the string its schema declares");
        return false;
    }
    fastwasm_app_outbound_outbound_request_t call = {0};
    sync_service_string_dup(&call.method, "GET");
    text_t target = {0};
    text_append(&target, url->ptr + 1, url->len - 2);
    call.url = text_into_string(&target);
    fastwasm_app_outbound_outbound_response_t answer;
    fastwasm_app_outbound_outbound_error_t failure;
    bool sent = fastwasm_app_outbound_send(&call, &answer, &failure);
    fastwasm_app_outbound_outbound_request_free(&call);
    text_t body = {0};
    if (!sent) {
        text_append_cstr(&body, "{\"kind\":");
        text_append_json_string(&body, ERROR_KINDS[failure.kind]);
        text_append_cstr(&body, ",\"message\":");
        append_json_bytes(&body, failure.message.ptr, failure.message.len);
        text_append_cstr(&body, "}");
        fastwasm_app_outbound_outbound_error_free(&failure);
        reply_error(error, 502, &body);
        return false;
    }
    text_append_cstr(&body, "{\"status\":");
    text_append_uint(&body, answer.status);
    text_append_cstr(&body, ",\"body\":");
    append_json_bytes(&body, answer.body.ptr, answer.body.len);
    text_append_cstr(&body, "}");
    fastwasm_app_outbound_outbound_response_free(&answer);
    reply_json(response, 200, &body);
    return true;
}

static const struct {
    const char *id;
    operation_fn run;
} OPERATIONS[] = {
    {"read_item", read_item},
    {"create_item", create_item},
    {"whoami", whoami},
    {"relay", relay},
};

static operation_fn find_operation(const sync_service_string_t *id) {
    for (size_t i = 0; i < sizeof OPERATIONS / sizeof OPERATIONS[0]; i++) {
        if (string_equals(id, OPERATIONS[i].id)) {
            return OPERATIONS[i].run;
        }
    }
    return NULL;
}

// The arguments belong to the callee in the bindings' convention: freed here once answered.
bool exports_fastwasm_app_handler_handle(exports_fastwasm_app_handler_request_t *req,
                                         exports_fastwasm_app_handler_list_dependency_t *deps,
                                         exports_fastwasm_app_handler_response_t *ret,
                                         exports_fastwasm_app_handler_http_error_t *err) {
    operation_fn run = find_operation(&req->operation_id);
    bool answered = false;
    if (run != NULL) {
        answered = run(req, deps, ret, err);
    } else {
        reply_error_message(err, 500, "unknown operation");
    }
    exports_fastwasm_app_handler_request_free(req);
    exports_fastwasm_app_handler_list_dependency_free(deps);
    return answered;
}
