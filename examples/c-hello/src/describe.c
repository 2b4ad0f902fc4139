// `metadata.describe`: the operations and the provider this component serves. The host routes,
// validates parameters against these JSON Schemas (answering 422 itself) and builds the
// OpenAPI document from them, so the handlers only ever see values that fit.

#include <stdlib.h>

#include "sync_service.h"

// The bindings free everything `describe` returns once the host has copied it, so every string
// and list is a heap copy.
static sync_service_string_t string(const char *value) {
    sync_service_string_t copy;
    sync_service_string_dup(&copy, value);
    return copy;
}

static sync_service_option_string_t some(const char *value) {
    return (sync_service_option_string_t){.is_some = true, .val = string(value)};
}

static void *array(size_t count, size_t size) {
    void *elements = calloc(count, size);
    if (elements == NULL) {
        abort();
    }
    return elements;
}

static fastwasm_app_types_param_t param(const char *name,
                                        fastwasm_app_types_param_location_t location, bool required,
                                        const char *schema, const char *description) {
    return (fastwasm_app_types_param_t){
        .name = string(name),
        .location = location,
        .required = required,
        .schema = string(schema),
        .description = some(description),
    };
}

static sync_service_list_string_t tags(const char *tag) {
    sync_service_string_t *list = array(1, sizeof *list);
    list[0] = string(tag);
    return (sync_service_list_string_t){list, 1};
}

static fastwasm_app_types_operation_t operation(const char *id, const char *method,
                                                const char *path, const char *summary,
                                                const char *description, uint16_t status_code) {
    return (fastwasm_app_types_operation_t){
        .id = string(id),
        .method = string(method),
        .path = string(path),
        .summary = some(summary),
        .description = some(description),
        .kind = FASTWASM_APP_TYPES_OPERATION_KIND_SYNC,
        .status_code = status_code,
    };
}

static fastwasm_app_types_operation_t read_item(void) {
    fastwasm_app_types_operation_t op =
        operation("read_item", "GET", "/items/{item_id}", "Read Item",
                  "One item by id; ids past 1000 do not exist.", 200);
    op.tags = tags("items");
    fastwasm_app_types_param_t *params = array(2, sizeof *params);
    params[0] = param("item_id", FASTWASM_APP_TYPES_PARAM_LOCATION_PATH, true,
                      "{\"type\":\"integer\",\"minimum\":0,\"maximum\":4294967295}",
                      "The item's id");
    params[1] = param("q", FASTWASM_APP_TYPES_PARAM_LOCATION_QUERY, false,
                      "{\"type\":\"string\",\"maxLength\":50}", "A search string, echoed back");
    op.params = (fastwasm_app_types_list_param_t){params, 2};
    return op;
}

static fastwasm_app_types_operation_t create_item(void) {
    fastwasm_app_types_operation_t op =
        operation("create_item", "POST", "/items", "Create Item",
                  "Echoes the name of the item in the JSON body.", 201);
    op.tags = tags("items");
    op.body = (fastwasm_app_types_option_body_spec_t){
        .is_some = true,
        .val =
            {
                .media_type = string("application/json"),
                .required = true,
                .schema = string("{\"title\":\"Item\",\"type\":\"object\","
                                 "\"properties\":{\"name\":{\"type\":\"string\"}},"
                                 "\"required\":[\"name\"]}"),
            },
    };
    return op;
}

static fastwasm_app_types_operation_t whoami(void) {
    fastwasm_app_types_operation_t op = operation("whoami", "GET", "/whoami", "Who Am I",
                                                  "The client the `client` provider names.", 200);
    fastwasm_app_types_dependency_use_t *uses = array(1, sizeof *uses);
    uses[0] = (fastwasm_app_types_dependency_use_t){.name = string("client"), .use_cache = true};
    op.dependencies = (fastwasm_app_types_list_dependency_use_t){uses, 1};
    return op;
}

static fastwasm_app_types_operation_t relay(void) {
    fastwasm_app_types_operation_t op =
        operation("relay", "GET", "/relay", "Relay",
                  "Fetches `url` through the host, within the component's "
                  "`allowed_outbound_hosts`, and answers its status and body.",
                  200);
    fastwasm_app_types_param_t *params = array(1, sizeof *params);
    params[0] = param("url", FASTWASM_APP_TYPES_PARAM_LOCATION_QUERY, true,
                      "{\"type\":\"string\",\"pattern\":\"^https?://[^\\\"\\\\\\\\]+$\"}",
                      "An http or https URL");
    op.params = (fastwasm_app_types_list_param_t){params, 1};
    return op;
}

static fastwasm_app_types_provider_t client(void) {
    fastwasm_app_types_param_t *params = array(1, sizeof *params);
    params[0] = param("x_client", FASTWASM_APP_TYPES_PARAM_LOCATION_HEADER, false,
                      "{\"type\":\"string\",\"maxLength\":40,\"default\":\"anonymous\"}",
                      "Who is calling");
    params[0].alias = some("x-client");
    return (fastwasm_app_types_provider_t){
        .name = string("client"),
        .kind = FASTWASM_APP_TYPES_OPERATION_KIND_SYNC,
        .params = {params, 1},
        .has_teardown = true,
        .description = some("The caller's name from `X-Client`, logged after the response."),
    };
}

void exports_fastwasm_app_metadata_describe(exports_fastwasm_app_metadata_app_info_t *ret) {
    fastwasm_app_types_operation_t *operations = array(4, sizeof *operations);
    operations[0] = read_item();
    operations[1] = create_item();
    operations[2] = whoami();
    operations[3] = relay();
    fastwasm_app_types_provider_t *providers = array(1, sizeof *providers);
    providers[0] = client();
    *ret = (exports_fastwasm_app_metadata_app_info_t){
        .operations = {operations, 4},
        .providers = {providers, 1},
    };
}
