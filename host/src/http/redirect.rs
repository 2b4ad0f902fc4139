//! Starlette's `redirect_slashes`: a path no route takes, whose twin with the trailing slash
//! toggled is taken (by any method), is answered 307 to that twin.

use super::respond::{HttpResponse, ResponseBody};
use super::websocket;
use crate::app::{RouteMatch, Router};
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue, LOCATION};
use hyper::{Request, Response, StatusCode};

/// The 307 to the twin of `req`'s path, when `router` takes that twin and not the path.
/// WebSocket handshakes are not redirected, as Starlette redirects only HTTP requests.
pub fn answer<T, B>(router: &Router<T>, req: &Request<B>) -> Option<HttpResponse> {
    if websocket::asks_for_websocket(req) {
        return None;
    }
    let uri = req.uri();
    let twin = toggled(uri.path())?;
    if matches!(router.at(req.method(), &twin), RouteMatch::NotFound) {
        return None;
    }
    // Starlette builds the absolute URL from the scheme and the Host header, keeping the query.
    let host = req
        .headers()
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| uri.authority().map(|authority| authority.as_str()))?;
    let query = uri
        .query()
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    let location = HeaderValue::from_str(&format!("http://{host}{twin}{query}")).ok()?;
    let mut response = Response::new(ResponseBody::empty());
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    response.headers_mut().insert(LOCATION, location);
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    Some(response)
}

/// The path with its trailing slash toggled as Starlette does (every trailing slash goes);
/// `None` for the root, which is never redirected.
fn toggled(path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    Some(if path.ends_with('/') {
        path.trim_end_matches('/').to_owned()
    } else {
        format!("{path}/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::router::Template;
    use hyper::Method;

    fn router() -> Router<usize> {
        let mut router = Router::default();
        for (method, raw) in [(Method::GET, "/items/"), (Method::POST, "/users")] {
            let template = Template::parse(raw).unwrap();
            router.insert(method, template, 0, "app".into()).unwrap();
        }
        router
    }

    fn location(method: Method, uri: &str) -> Option<String> {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(HOST, "example.test:8000")
            .body(())
            .unwrap();
        answer(&router(), &req).map(|response| {
            assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
            response.headers()[LOCATION].to_str().unwrap().to_owned()
        })
    }

    #[test]
    fn adds_or_drops_the_slash_keeping_the_query() {
        assert_eq!(
            location(Method::GET, "/items?q=1").as_deref(),
            Some("http://example.test:8000/items/?q=1")
        );
        assert_eq!(
            location(Method::GET, "/users//").as_deref(),
            Some("http://example.test:8000/users")
        );
    }

    #[test]
    fn redirects_when_the_twin_is_taken_by_another_method() {
        assert_eq!(
            location(Method::DELETE, "/items").as_deref(),
            Some("http://example.test:8000/items/")
        );
    }

    #[test]
    fn leaves_the_root_and_untaken_twins_alone() {
        assert_eq!(location(Method::GET, "/"), None);
        assert_eq!(location(Method::GET, "/other"), None);
        assert_eq!(toggled("/"), None);
    }
}
