//! Drives `bench/soak.sh`'s app with every kind of client at once, until the time is up, and
//! prints what each kind got.
//!
//! ```text
//! soak ADDR SECONDS
//! ```
//!
//! - well-behaved clients: sync and async operations of a Rust and a Python component, and
//!   a component the script swaps between two versions; every answer must be a 200 with the
//!   expected body, and any other outcome is a failure, named by kind;
//! - faulty requests: guests that panic (500), spin past the request timeout (504) and
//!   allocate past the memory limit (500);
//! - hostile clients: slowloris (headers a byte at a time), stalled bodies, abrupt
//!   disconnects, oversized heads.
//!
//! The last line is `well-behaved failures: N`; the script fails the soak when N is not 0.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Outcomes by kind, e.g. `good /py/async 200` or `hostile stalled-body 408`.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    fn add(&self, kind: String) {
        *self.0.lock().unwrap().entry(kind).or_default() += 1;
    }
}

/// A request a client sends, and the answer it must get.
struct Expect {
    path: &'static str,
    status: u16,
    /// The bodies that count as right (any of them); empty: any body.
    bodies: &'static [&'static str],
}

const HELLO: &[&str] = &[r#"{"message":"Hello World"}"#];

/// The requests well-behaved clients send.
const GOOD: [Expect; 5] = [
    Expect {
        path: "/rust/",
        status: 200,
        bodies: HELLO,
    },
    Expect {
        path: "/rust/hello",
        status: 200,
        bodies: HELLO,
    },
    Expect {
        path: "/py/sync",
        status: 200,
        bodies: HELLO,
    },
    Expect {
        path: "/py/async",
        status: 200,
        bodies: HELLO,
    },
    Expect {
        path: "/v/version",
        status: 200,
        bodies: &["v1", "v2"],
    },
];

/// Guests misbehaving on purpose: a panic, a loop past the deadline, memory past the limit.
const FAULTY: [Expect; 3] = [
    Expect {
        path: "/faults/panic",
        status: 500,
        bodies: &[],
    },
    Expect {
        path: "/faults/spin",
        status: 504,
        bodies: &[],
    },
    Expect {
        path: "/faults/hog?mb=1024",
        status: 500,
        bodies: &[],
    },
];

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, seconds] = args.as_slice() else {
        eprintln!("usage: soak ADDR SECONDS");
        std::process::exit(2);
    };
    let seconds: u64 = seconds.parse().expect("SECONDS is a number");
    let until = Instant::now() + Duration::from_secs(seconds);
    let tally = Arc::new(Tally::default());
    let client: Client<HttpConnector, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut workers = Vec::new();
    let plans: [(&str, &'static [Expect], usize); 2] =
        [("good", &GOOD, 16), ("faulty", &FAULTY, 2)];
    for (label, plan, clients) in plans {
        for worker in 0..clients {
            let (client, tally, addr) = (client.clone(), tally.clone(), addr.clone());
            workers.push(tokio::spawn(async move {
                let mut turn = worker;
                while Instant::now() < until {
                    let expect = &plan[turn % plan.len()];
                    turn += 1;
                    let kind = match get(&client, &addr, expect.path).await {
                        Ok((status, body))
                            if status == expect.status
                                && (expect.bodies.is_empty()
                                    || expect.bodies.contains(&body.as_str())) =>
                        {
                            status.to_string()
                        }
                        Ok((status, body)) => format!("FAILED {status} {body:.60}"),
                        Err(err) => format!("FAILED {err}"),
                    };
                    tally.add(format!("{label} {} {kind}", expect.path));
                }
            }));
        }
    }
    for hostile in 0..4 {
        let (tally, addr) = (tally.clone(), addr.clone());
        workers.push(tokio::spawn(async move {
            while Instant::now() < until {
                match hostile {
                    0 => slowloris(&addr, &tally).await,
                    1 => stalled_body(&addr, &tally).await,
                    2 => abrupt_disconnect(&addr, &tally).await,
                    _ => oversized_head(&addr, &tally).await,
                }
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a soak worker panicked");
    }
    let tally = tally.0.lock().unwrap();
    let mut served = 0;
    let mut failures = 0;
    for (kind, count) in tally.iter() {
        println!("{count:>9}  {kind}");
        if kind.starts_with("good ") {
            served += count;
            if kind.contains(" FAILED") {
                failures += count;
            }
        }
    }
    println!("well-behaved requests: {served} in {seconds} s");
    println!("well-behaved failures: {failures}");
}

async fn get(
    client: &Client<HttpConnector, Empty<Bytes>>,
    addr: &str,
    path: &str,
) -> Result<(u16, String), String> {
    let uri: hyper::Uri = format!("http://{addr}{path}").parse().unwrap();
    let work = async {
        let response = client.get(uri).await.map_err(|err| err.to_string())?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|err| err.to_string())?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    };
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .unwrap_or_else(|_| Err("no answer in 30 s".into()))
}

/// Reads what the server sends until it closes (at most `limit`): its status line's code,
/// or what happened.
async fn outcome(stream: &mut TcpStream, limit: Duration) -> String {
    let mut received = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut received)).await {
        Err(_) => "still open".into(),
        Ok(Err(err)) if received.is_empty() => format!("error {}", err.kind()),
        Ok(_) if received.is_empty() => "closed".into(),
        Ok(_) => String::from_utf8_lossy(&received)
            .split(' ')
            .nth(1)
            .unwrap_or("garbled")
            .to_owned(),
    }
}

/// Ten connections sending a request head a byte a second: the server closes each, and the
/// outcome says after how long (rounded down to the second).
async fn slowloris(addr: &str, tally: &Tally) {
    let mut streams = Vec::new();
    for _ in 0..10 {
        if let Ok(stream) = TcpStream::connect(addr).await {
            streams.push((stream, None));
        }
    }
    let head = b"GET /rust/ HTTP/1.1\r\nhost: soak\r\nx-slow: ";
    let started = Instant::now();
    for &byte in head.iter().cycle().take(30) {
        for (stream, closed_at) in &mut streams {
            if closed_at.is_none() && (stream.write_all(&[byte]).await.is_err() || closed(stream)) {
                *closed_at = Some(started.elapsed());
            }
        }
        if streams.iter().all(|(_, closed_at)| closed_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for (_, closed_at) in streams {
        let kind = match closed_at {
            Some(after) => format!("closed after {}s", after.as_secs()),
            None => "still open after 30s".into(),
        };
        tally.add(format!("hostile slowloris {kind}"));
    }
}

/// Whether the server closed `stream` (it sent nothing else to a slow head).
fn closed(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.try_read(&mut byte) {
        Ok(_) => true,
        Err(err) => err.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// A body that stops arriving: 408.
async fn stalled_body(addr: &str, tally: &Tally) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return tally.add("hostile stalled-body cannot connect".into());
    };
    let _ = stream
        .write_all(b"POST /rust/echo HTTP/1.1\r\nhost: soak\r\ncontent-length: 1000\r\n\r\nhalf")
        .await;
    let kind = outcome(&mut stream, Duration::from_secs(30)).await;
    tally.add(format!("hostile stalled-body {kind}"));
}

/// A request and a body cut off by the client leaving.
async fn abrupt_disconnect(addr: &str, tally: &Tally) {
    for path in ["/rust/hello", "/py/async", "/faults/spin"] {
        if let Ok(mut stream) = TcpStream::connect(addr).await {
            let request = format!("GET {path} HTTP/1.1\r\nhost: soak\r\n\r\n");
            let _ = stream.write_all(request.as_bytes()).await;
            drop(stream);
            tally.add("hostile abrupt-disconnect sent".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A head with 200 headers: 431.
async fn oversized_head(addr: &str, tally: &Tally) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return tally.add("hostile oversized-head cannot connect".into());
    };
    let mut head = String::from("GET /rust/ HTTP/1.1\r\nhost: soak\r\n");
    for i in 0..200 {
        head.push_str(&format!("x-h{i}: value\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let kind = outcome(&mut stream, Duration::from_secs(10)).await;
    tally.add(format!("hostile oversized-head {kind}"));
    tokio::time::sleep(Duration::from_millis(50)).await;
}
