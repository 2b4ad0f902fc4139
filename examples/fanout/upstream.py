"""A local upstream for the fan-out example and its benchmark: `GET /delay?ms=M` answers
`{"ms": M, "request_id": …}` after M milliseconds. Standard library only; one thread per
connection, so concurrent calls overlap.

    python3 examples/fanout/upstream.py --port 9000
"""

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Delay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != "/delay":
            self.send_error(404)
            return
        try:
            ms = min(int(parse_qs(url.query).get("ms", ["0"])[0]), 30_000)
        except ValueError:
            self.send_error(400, "ms must be a whole number")
            return
        time.sleep(max(ms, 0) / 1000)
        body = json.dumps({"ms": ms, "request_id": self.headers.get("x-request-id")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Delay)
    server.daemon_threads = True
    print(f"upstream listening on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
