//! The API documents itself, as in FastAPI: the OpenAPI document at `openapi_url`, Swagger UI
//! at `docs_url` (with its OAuth2 redirect page) and ReDoc at `redoc_url`. The pages' scripts
//! and styles come from crates that package them (`swagger-ui-dist`, `aide`) and are served by
//! this host, never from a CDN: the docs work offline and behind a firewall.

use super::respond::{self, HttpResponse};
use crate::app::App;
use crate::config::{DocsPaths, Settings};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{CACHE_CONTROL, HeaderValue};
use hyper::{Method, Request, StatusCode};
use std::sync::Mutex;
use tokio::sync::OnceCell;
use tower_service::Service;

/// Swagger UI's files, under `docs_url`: (file name, content type).
const SWAGGER_FILES: [(&str, &str); 4] = [
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("oauth2-redirect.html", "text/html; charset=utf-8"),
    ("oauth2-redirect.js", "text/javascript; charset=utf-8"),
];

/// The documentation pages of one server; their paths are fixed for its life, as `[server]` is.
pub struct Docs {
    paths: DocsPaths,
    /// Swagger UI's files, read out of the `swagger-ui-dist` crate on first use.
    swagger: OnceCell<Vec<Bytes>>,
    /// The ReDoc page (its script inlined) for the title it was made with: rebuilt only when
    /// a reload changes the title.
    redoc: Mutex<Option<(String, Bytes)>>,
}

impl Docs {
    /// The pages `settings` turns on.
    pub fn new(settings: &Settings) -> Self {
        Self {
            paths: settings.docs_paths(),
            swagger: OnceCell::new(),
            redoc: Mutex::new(None),
        }
    }

    /// The answer for `path` when it is one of the documentation's, else `None`.
    pub async fn answer(&self, method: &Method, path: &str, app: &App) -> Option<HttpResponse> {
        let page = self.page(path)?;
        if method != Method::GET && method != Method::HEAD {
            return Some(respond::status(StatusCode::METHOD_NOT_ALLOWED));
        }
        let title = app.openapi["info"]["title"].as_str().unwrap_or("API");
        Some(match page {
            Page::OpenApi => respond::json(StatusCode::OK, &app.openapi),
            Page::Swagger => html(self.swagger_page(title)),
            Page::SwaggerFile(index) => {
                let files = self.swagger.get_or_init(swagger_files).await;
                let (_, content_type) = SWAGGER_FILES[index];
                let mut response = respond::whole(files[index].clone(), content_type);
                // The files change only with the fastwasm binary: let browsers keep them.
                response
                    .headers_mut()
                    .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
                response
            }
            Page::Redoc => html(self.redoc_page(title)),
        })
    }

    fn page(&self, path: &str) -> Option<Page> {
        if self.paths.openapi.as_deref() == Some(path) {
            return Some(Page::OpenApi);
        }
        if self.paths.redoc.as_deref() == Some(path) {
            return Some(Page::Redoc);
        }
        let rest = path.strip_prefix(self.paths.swagger.as_deref()?)?;
        match rest {
            "" => Some(Page::Swagger),
            // FastAPI's address for the redirect page, without the `.html`.
            "/oauth2-redirect" => Some(Page::SwaggerFile(2)),
            _ => SWAGGER_FILES
                .iter()
                .position(|(name, _)| rest.strip_prefix('/') == Some(name))
                .map(Page::SwaggerFile),
        }
    }

    /// Swagger UI's page, configured as FastAPI configures it.
    fn swagger_page(&self, title: &str) -> Bytes {
        let docs = self.paths.swagger.as_deref().unwrap_or_default();
        let openapi = self.paths.openapi.as_deref().unwrap_or_default();
        let title = escape_html(&format!("{title} - Swagger UI"));
        let openapi = js_string(openapi);
        let redirect = js_string(&format!("{docs}/oauth2-redirect"));
        format!(
            r##"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link type="text/css" rel="stylesheet" href="{docs}/swagger-ui.css">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{docs}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: {openapi},
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  oauth2RedirectUrl: window.location.origin + {redirect},
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}});
</script>
</body>
</html>
"##
        )
        .into()
    }

    fn redoc_page(&self, title: &str) -> Bytes {
        let mut cached = self.redoc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((made_for, page)) = cached.as_ref()
            && made_for == title
        {
            return page.clone();
        }
        let openapi = self.paths.openapi.as_deref().unwrap_or_default();
        let page: Bytes = aide::redoc::Redoc::new(openapi)
            .with_title(&escape_html(&format!("{title} - ReDoc")))
            .html()
            .into();
        *cached = Some((title.to_owned(), page.clone()));
        page
    }
}

enum Page {
    OpenApi,
    Swagger,
    /// An index into `SWAGGER_FILES`.
    SwaggerFile(usize),
    Redoc,
}

/// Swagger UI's files, asked of the router `swagger-ui-dist` builds around them.
async fn swagger_files() -> Vec<Bytes> {
    let prefix = "/swagger";
    let mut router = swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: prefix,
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/openapi.json"),
        title: None,
    });
    let mut files = Vec::with_capacity(SWAGGER_FILES.len());
    for (name, _) in SWAGGER_FILES {
        let request = Request::get(format!("{prefix}/{name}"))
            .body(http_body_util::Empty::<Bytes>::new())
            .expect("a static path makes a valid request");
        let bytes = match router.call(request).await {
            Ok(response) if response.status().is_success() => response
                .into_body()
                .collect()
                .await
                .map(|body| body.to_bytes())
                .unwrap_or_default(),
            _ => Bytes::new(),
        };
        if bytes.is_empty() {
            tracing::error!("swagger-ui-dist has no `{name}`: the docs page will not work");
        }
        files.push(bytes);
    }
    files
}

fn html(page: Bytes) -> HttpResponse {
    respond::whole(page, "text/html; charset=utf-8")
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// `text` as a JavaScript string literal that cannot close the `<script>` it is in.
fn js_string(text: &str) -> String {
    serde_json::to_string(text)
        .expect("a string serializes")
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs_for(server: &str) -> Docs {
        let mut settings = Settings::default();
        for line in server.lines().filter(|line| !line.is_empty()) {
            let (key, value) = line.split_once('=').unwrap();
            settings.set(key, value).unwrap();
        }
        Docs::new(&settings)
    }

    #[test]
    fn the_default_paths_are_fastapis() {
        let docs = docs_for("");
        assert!(matches!(docs.page("/openapi.json"), Some(Page::OpenApi)));
        assert!(matches!(docs.page("/docs"), Some(Page::Swagger)));
        assert!(matches!(
            docs.page("/docs/oauth2-redirect"),
            Some(Page::SwaggerFile(2))
        ));
        assert!(matches!(
            docs.page("/docs/swagger-ui.css"),
            Some(Page::SwaggerFile(1))
        ));
        assert!(matches!(docs.page("/redoc"), Some(Page::Redoc)));
        assert!(docs.page("/docs/other").is_none());
        assert!(docs.page("/docsx").is_none());
        assert!(docs.page("/items").is_none());
    }

    #[test]
    fn no_document_means_no_pages() {
        let docs = docs_for("openapi_url=");
        for path in ["/openapi.json", "/docs", "/redoc", "/docs/swagger-ui.css"] {
            assert!(docs.page(path).is_none(), "{path}");
        }
        let docs = docs_for("docs_url=\nredoc_url=/api/redoc");
        assert!(docs.page("/docs").is_none());
        assert!(matches!(docs.page("/api/redoc"), Some(Page::Redoc)));
    }

    #[tokio::test]
    async fn swagger_files_come_from_the_crate() {
        let files = swagger_files().await;
        assert!(files[0].len() > 100_000, "the bundle is its whole script");
        assert!(String::from_utf8_lossy(&files[2]).contains("oauth2-redirect.js"));
    }

    #[test]
    fn titles_cannot_break_out_of_the_page() {
        let docs = docs_for("");
        let page = docs.swagger_page("</title><script>alert(1)</script>");
        let page = String::from_utf8_lossy(&page);
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("&lt;/title&gt;"));
    }
}
