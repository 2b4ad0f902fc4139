//! A wasi:http 0.3 `service` component written against the standard interfaces alone, as one
//! built for another host is: it answers what it was asked (method, path, the prefix the host
//! mounted it under) and writes its body after it returned the response.

use wasip3::http::types::{ErrorCode, Fields, Method, Request, Response};
use wasip3::{wit_bindgen, wit_future, wit_stream};

struct Echo;

impl wasip3::exports::http::handler::Guest for Echo {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let path = request.get_path_with_query().unwrap_or_default();
        let method = match request.get_method() {
            Method::Get => "GET".to_owned(),
            Method::Post => "POST".to_owned(),
            other => format!("{other:?}"),
        };
        let prefix = request
            .get_headers()
            .get("x-forwarded-prefix")
            .first()
            .map(|value| String::from_utf8_lossy(value).into_owned())
            .unwrap_or_default();
        let headers = Fields::from_list(&[
            ("content-type".into(), b"text/plain".to_vec()),
            ("x-world".into(), b"service".to_vec()),
        ])
        .map_err(|_| ErrorCode::InternalError(None))?;
        let (mut body, body_reader) = wit_stream::new();
        let (trailers, trailers_reader) = wit_future::new(|| Ok(None));
        let (response, _sent) = Response::new(headers, Some(body_reader), trailers_reader);
        drop(trailers);
        let text = format!("hello from p3\nmethod={method}\npath={path}\nprefix={prefix}\n");
        wit_bindgen::spawn_local(async move {
            let unwritten = body.write_all(text.into_bytes()).await;
            assert!(unwritten.is_empty(), "the client left");
        });
        Ok(response)
    }
}

wasip3::http::service::export!(Echo);
