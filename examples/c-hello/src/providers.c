// `provider.provide` and `provider.teardown`: the `client` dependency, FastAPI's
// `Depends(get_client)` with code after its `yield`.

#include "http.h"

// The value is the `X-Client` header as the host validated it, or the declared default: it is
// already the JSON string the dependency's consumers receive.
static bool provide_client(const fastwasm_app_types_request_t *req, sync_service_string_t *value,
                           fastwasm_app_types_http_error_t *error) {
    const sync_service_string_t *client = request_param(req, "x_client");
    if (client == NULL) {
        reply_error_message(error, 500, "x_client has no value despite its default");
        return false;
    }
    text_t copy = {0};
    text_append_string(&copy, client);
    *value = text_into_string(&copy);
    return true;
}

bool exports_fastwasm_app_provider_provide(sync_service_string_t *name,
                                           exports_fastwasm_app_provider_request_t *req,
                                           exports_fastwasm_app_provider_list_dependency_t *deps,
                                           sync_service_string_t *ret,
                                           exports_fastwasm_app_provider_http_error_t *err) {
    bool provided = false;
    if (string_equals(name, "client")) {
        provided = provide_client(req, ret, err);
    } else {
        reply_error_message(err, 500, "unknown provider");
    }
    sync_service_string_free(name);
    exports_fastwasm_app_provider_request_free(req);
    exports_fastwasm_app_provider_list_dependency_free(deps);
    return provided;
}

// Runs after the response is sent: it logs through the host, which tags the record with this
// component and the operation.
void exports_fastwasm_app_provider_teardown(sync_service_string_t *name,
                                            sync_service_string_t *value) {
    if (string_equals(name, "client")) {
        text_t line = {0};
        text_append_cstr(&line, "served client ");
        text_append_string(&line, value);
        sync_service_string_t message = text_into_string(&line);
        fastwasm_app_host_log(FASTWASM_APP_TYPES_LOG_LEVEL_INFO, &message);
        sync_service_string_free(&message);
    }
    sync_service_string_free(name);
    sync_service_string_free(value);
}
