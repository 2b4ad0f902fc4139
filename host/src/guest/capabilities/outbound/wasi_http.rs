//! `wasi:http` for guests: the 0.2 `outgoing-handler` and the 0.3 `client`, from
//! wasmtime-wasi-http, both sending through [`Outbound::send`].

use super::{Outbound, REQUEST_ID};
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

type Sent = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

/// How a store's `wasi:http` requests are sent.
pub struct HttpHooks {
    outbound: Arc<Outbound>,
    /// The id of the request the store serves, when it serves one at a time: its calls
    /// belong to that request unless they name another.
    pub(crate) serving: Option<Arc<str>>,
}

impl HttpHooks {
    /// Hooks that send for `outbound`'s component.
    pub fn new(outbound: Arc<Outbound>) -> Self {
        Self {
            outbound,
            serving: None,
        }
    }

    /// The component's outbound side.
    pub fn outbound(&self) -> &Arc<Outbound> {
        &self.outbound
    }
}

impl WasiHttpHooks for HttpHooks {
    /// hyper writes `Host` for HTTP/1.1 and `:authority` for HTTP/2 itself.
    fn set_host_header(&mut self) -> bool {
        false
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_done: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        let named = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .map(Arc::<str>::from);
        let request_id = named.or_else(|| self.serving.clone());
        let outbound = self.outbound.clone();
        Box::new(async move {
            let response = outbound
                .send(request, options, request_id.as_deref())
                .await?;
            // The pooled client drives its connections itself: there is no I/O left to await.
            let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(async { Ok(()) });
            Ok((response, io))
        })
    }
}
