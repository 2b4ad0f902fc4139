//! Cross-origin resource sharing, for every component whatever its language, as FastAPI's
//! `CORSMiddleware` (Starlette's) answers: a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) is answered here, before routing, 200 `OK` or 400 `Disallowed
//! CORS origin, method, headers`; any other answer gets the simple-request headers on its way
//! out. Off unless the settings allow an origin.

use super::respond::{HttpResponse, ResponseBody};
use crate::config::Settings;
use hyper::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, CONTENT_TYPE, HeaderMap,
    HeaderName, HeaderValue, ORIGIN, VARY,
};
use hyper::{Method, Response, StatusCode};
use regex::Regex;

/// What `*` in the allowed methods stands for.
const ALL_METHODS: [&str; 8] = [
    "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY",
];

/// Headers a preflight may always ask for.
const SAFELISTED_HEADERS: [&str; 4] = [
    "Accept",
    "Accept-Language",
    "Content-Language",
    "Content-Type",
];

const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// The CORS policy the settings give, with its fixed headers made once.
#[derive(Debug)]
pub struct Cors {
    allow_all_origins: bool,
    origins: Vec<String>,
    origin_regex: Option<Regex>,
    methods: Vec<String>,
    allow_all_headers: bool,
    /// Lower-case, the safelisted ones included.
    headers: Vec<String>,
    allow_credentials: bool,
    allow_private_network: bool,
    /// Whether a preflight names the origin it allows rather than `*`.
    preflight_names_origin: bool,
    simple_headers: Vec<(HeaderName, HeaderValue)>,
    preflight_headers: Vec<(HeaderName, HeaderValue)>,
}

impl Cors {
    /// The policy, or `None` when the settings allow no origin. The settings are checked
    /// beforehand (`Settings::validate`), so what cannot be a header value is left out.
    pub fn new(settings: &Settings) -> Option<Self> {
        let origins = settings.cors_allow_origins.clone();
        // Anchored: the whole origin must match, as Starlette's `fullmatch`.
        let origin_regex = settings
            .cors_allow_origin_regex
            .as_deref()
            .and_then(|pattern| Regex::new(&format!("^(?:{pattern})$")).ok());
        if origins.is_empty() && origin_regex.is_none() {
            return None;
        }
        let allow_all_origins = origins.iter().any(|origin| origin == "*");
        let allow_credentials = settings.cors_allow_credentials;
        let methods: Vec<String> = if settings.cors_allow_methods.iter().any(|m| m == "*") {
            ALL_METHODS.map(str::to_owned).to_vec()
        } else {
            settings.cors_allow_methods.clone()
        };
        let allow_all_headers = settings.cors_allow_headers.iter().any(|h| h == "*");
        let mut headers: Vec<String> = SAFELISTED_HEADERS
            .map(str::to_owned)
            .into_iter()
            .chain(settings.cors_allow_headers.iter().cloned())
            .collect();
        headers.sort();
        headers.dedup();
        let preflight_names_origin = !allow_all_origins || allow_credentials;

        let mut simple_headers = Vec::new();
        if allow_all_origins {
            simple_headers.push((ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")));
        }
        if allow_credentials {
            simple_headers.push((
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            ));
        }
        if !settings.cors_expose_headers.is_empty() {
            push(
                &mut simple_headers,
                ACCESS_CONTROL_EXPOSE_HEADERS,
                &settings.cors_expose_headers.join(", "),
            );
        }

        let mut preflight_headers = vec![(
            VARY,
            HeaderValue::from_static(
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                 Access-Control-Request-Private-Network",
            ),
        )];
        if !preflight_names_origin {
            preflight_headers.push((ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")));
        }
        push(
            &mut preflight_headers,
            ACCESS_CONTROL_ALLOW_METHODS,
            &methods.join(", "),
        );
        push(
            &mut preflight_headers,
            ACCESS_CONTROL_MAX_AGE,
            &settings.cors_max_age.to_string(),
        );
        if !allow_all_headers {
            push(
                &mut preflight_headers,
                ACCESS_CONTROL_ALLOW_HEADERS,
                &headers.join(", "),
            );
        }
        if allow_credentials {
            preflight_headers.push((
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            ));
        }
        Some(Self {
            allow_all_origins,
            origins,
            origin_regex,
            methods,
            allow_all_headers,
            headers: headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
            allow_credentials,
            allow_private_network: settings.cors_allow_private_network,
            preflight_names_origin,
            simple_headers,
            preflight_headers,
        })
    }

    fn allows_origin(&self, origin: &HeaderValue) -> bool {
        // As text, as Starlette compares it; bytes that are not UTF-8 are replaced.
        let origin = String::from_utf8_lossy(origin.as_bytes());
        let origin = origin.as_ref();
        self.allow_all_origins
            || self
                .origin_regex
                .as_ref()
                .is_some_and(|regex| regex.is_match(origin))
            || self.origins.iter().any(|allowed| allowed == origin)
    }

    /// The answer to a preflight request; `None` for any other request.
    pub fn preflight(&self, method: &Method, request: &HeaderMap) -> Option<HttpResponse> {
        let origin = request.get(ORIGIN)?;
        let requested_method = request.get(ACCESS_CONTROL_REQUEST_METHOD)?;
        if method != Method::OPTIONS {
            return None;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.preflight_headers {
            headers.insert(name.clone(), value.clone());
        }
        let mut failures = Vec::new();
        if self.allows_origin(origin) {
            if self.preflight_names_origin {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            }
        } else {
            failures.push("origin");
        }
        if !self
            .methods
            .iter()
            .any(|allowed| allowed.as_bytes() == requested_method.as_bytes())
        {
            failures.push("method");
        }
        if let Some(requested) = request.get(ACCESS_CONTROL_REQUEST_HEADERS) {
            if self.allow_all_headers {
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            } else {
                let requested = String::from_utf8_lossy(requested.as_bytes()).to_ascii_lowercase();
                if requested
                    .split(',')
                    .any(|header| !self.headers.iter().any(|allowed| allowed == header.trim()))
                {
                    failures.push("headers");
                }
            }
        }
        if request.contains_key(REQUEST_PRIVATE_NETWORK) {
            if self.allow_private_network {
                headers.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static("true"));
            } else {
                failures.push("private-network");
            }
        }
        let (status, text) = if failures.is_empty() {
            (StatusCode::OK, "OK".to_owned())
        } else {
            (
                StatusCode::BAD_REQUEST,
                format!("Disallowed CORS {}", failures.join(", ")),
            )
        };
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        let mut response = Response::new(ResponseBody::whole(text));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Some(response)
    }

    /// Adds the simple-request headers to an answer to a request from `origin`. A WebSocket
    /// handshake's answer is left alone, as Starlette leaves WebSocket sessions.
    pub fn decorate(&self, origin: Option<&HeaderValue>, response: &mut HttpResponse) {
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            return;
        }
        let headers = response.headers_mut();
        if let Some(origin) = origin {
            for (name, value) in &self.simple_headers {
                headers.insert(name.clone(), value.clone());
            }
            // With credentials, or with named origins, the answer names the origin, not `*`.
            let names_origin = if self.allow_all_origins {
                self.allow_credentials
            } else {
                self.allows_origin(origin)
            };
            if names_origin {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            }
        }
        // The answer depends on `Origin` in every case: caches must keep them apart.
        let vary: Vec<&[u8]> = headers
            .get_all(VARY)
            .iter()
            .map(HeaderValue::as_bytes)
            .chain([b"Origin".as_slice()])
            .collect();
        if let Ok(vary) = HeaderValue::from_bytes(&vary.join(b", ".as_slice())) {
            headers.insert(VARY, vary);
        }
    }
}

/// Adds a header whose value comes from the settings, when it can be one.
fn push(headers: &mut Vec<(HeaderName, HeaderValue)>, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.push((name, value));
    }
}
