//! A wasi:http 0.2 `proxy` component written against the standard interfaces alone, as one
//! built for another host is: it answers what it was asked (method, path, the prefix the host
//! mounted it under, the body), and panics on `/panic`.

use std::io::{Read as _, Write as _};
use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Echo;

impl wasip2::exports::http::incoming_handler::Guest for Echo {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        if path == "/panic" {
            panic!("the p2 component panicked on purpose");
        }
        let method = match request.method() {
            Method::Get => "GET".to_owned(),
            Method::Post => "POST".to_owned(),
            Method::Put => "PUT".to_owned(),
            Method::Delete => "DELETE".to_owned(),
            other => format!("{other:?}"),
        };
        let prefix = request
            .headers()
            .get("x-forwarded-prefix")
            .first()
            .map(|value| String::from_utf8_lossy(value).into_owned())
            .unwrap_or_default();
        let mut body = String::new();
        if let Ok(incoming) = request.consume()
            && let Ok(mut stream) = incoming.stream()
        {
            // The stream reads as `std::io::Read`: to its end.
            let _ = stream.read_to_string(&mut body);
        }
        let text =
            format!("hello from p2\nmethod={method}\npath={path}\nprefix={prefix}\nbody={body}\n");
        let headers = Fields::from_list(&[
            ("content-type".into(), b"text/plain".to_vec()),
            ("x-world".into(), b"proxy".to_vec()),
        ])
        .expect("valid headers");
        let response = OutgoingResponse::new(headers);
        response.set_status_code(200).expect("a valid status");
        let outgoing = response.body().expect("the body, once");
        ResponseOutparam::set(out, Ok(response));
        {
            let mut stream = outgoing.write().expect("the body's stream, once");
            stream.write_all(text.as_bytes()).expect("the client reads");
            stream.flush().expect("the client reads");
        }
        OutgoingBody::finish(outgoing, None).expect("the body ends");
    }
}

wasip2::http::proxy::export!(Echo);
