//! Outbound HTTP through the standard `wasi:http` imports instead of the SDK: 0.3's `client`
//! from an async operation, 0.2's `outgoing-handler` from a sync one. The host holds both to the
//! same allow-list and limits as the SDK's client.

use fastwasm_guest::prelude::*;
use http_body_util::{BodyExt, Empty};
use serde_json::{Value, json};

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// A GET through `wasi:http/client@0.3.0`.
    #[get("/p3")]
    async fn p3(url: Query<String>) -> Json<Value> {
        Json(match p3_get(&url.0).await {
            Ok(answer) => answer,
            Err(error) => json!({ "error": error }),
        })
    }

    /// A GET through `wasi:http/outgoing-handler@0.2`.
    #[get("/p2")]
    fn p2(url: Query<String>) -> Json<Value> {
        Json(match p2_get(&url.0) {
            Ok(answer) => answer,
            Err(error) => json!({ "error": error }),
        })
    }
}

async fn p3_get(url: &str) -> Result<Value, String> {
    use wasip3::http_compat::{http_from_wasi_response, http_into_wasi_request};
    let request = http::Request::get(url)
        .header("x-guest", "wasi-http-0.3")
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|err| err.to_string())?;
    let request = http_into_wasi_request(request).map_err(|err| format!("{err:?}"))?;
    let response = wasip3::http::client::send(request)
        .await
        .map_err(|err| format!("{err:?}"))?;
    let response = http_from_wasi_response(response).map_err(|err| format!("{err:?}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|err| format!("{err:?}"))?
        .to_bytes();
    Ok(json!({ "status": status, "body": String::from_utf8_lossy(&body) }))
}

fn p2_get(url: &str) -> Result<Value, String> {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, OutgoingRequest, Scheme};
    let uri: http::Uri = url.parse().map_err(|err| format!("{err}"))?;
    let headers = Fields::from_list(&[("x-guest".into(), b"wasi-http-0.2".to_vec())])
        .map_err(|err| format!("{err:?}"))?;
    let request = OutgoingRequest::new(headers);
    let scheme = match uri.scheme_str() {
        Some("https") => Scheme::Https,
        _ => Scheme::Http,
    };
    request.set_scheme(Some(&scheme)).map_err(|()| "scheme")?;
    request
        .set_authority(uri.authority().map(|a| a.as_str()))
        .map_err(|()| "authority")?;
    request
        .set_path_with_query(uri.path_and_query().map(|p| p.as_str()))
        .map_err(|()| "path")?;
    let pending = outgoing_handler::handle(request, None).map_err(|err| format!("{err:?}"))?;
    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or("no response")?
        .map_err(|()| "taken")?
        .map_err(|err| format!("{err:?}"))?;
    let status = response.status();
    let body = response.consume().map_err(|()| "no body")?;
    let stream = body.stream().map_err(|()| "no stream")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend(chunk),
            Err(wasip2::io::streams::StreamError::Closed) => break,
            Err(err) => return Err(format!("{err:?}")),
        }
    }
    drop(stream);
    Ok(json!({ "status": status, "body": String::from_utf8_lossy(&bytes) }))
}
