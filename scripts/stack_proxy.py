"""A tiny round-robin HTTP load balancer for `make stack` (standard library only).

    python scripts/stack_proxy.py --listen 127.0.0.1:8080 --backend 127.0.0.1:5001 --backend 127.0.0.1:5002

Each request goes to the next application server in turn; a server that refuses the connection is skipped
(the request goes to the next one), so stopping one app server is invisible to users. The client's address,
the scheme and the host travel in X-Forwarded-For / -Proto / -Host (the app trusts them with PROXY_COUNT=1).
Bodies are streamed both ways; the answering server is named in ``X-Assess-Backend`` so that one can see
the balancing at work.

It is for a local stack on one machine, not for production: there, nginx or the platform's load balancer
does this job (docs/DEPLOY.md has an nginx example).
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade"}
CHUNK = 64 * 1024


class Balancer:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()

    def order(self) -> list[tuple[str, int]]:
        """Every backend, starting with the next in turn."""
        with self._lock:
            first = next(self._next)
        return self.backends[first:] + self.backends[:first]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    balancer: Balancer
    timeout = 300

    def log_message(self, fmt: str, *args) -> None:  # one line per request on stderr
        sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None  # requests are small (uploads ≤ MAX_UPLOAD_MB)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        forwarded_for = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{forwarded_for}, {self.client_address[0]}" if forwarded_for \
            else self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        headers["X-Forwarded-Host"] = self.headers.get("Host", "")
        last_error: Exception | None = None
        for host, port in self.balancer.order():
            conn = http.client.HTTPConnection(host, port, timeout=300)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
            except (ConnectionRefusedError, socket.timeout, OSError) as exc:  # that server is down: the next
                conn.close()
                last_error = exc
                continue
            try:
                self._relay(resp, f"{host}:{port}")
            finally:
                conn.close()
            return
        self.send_error(502, f"no application server answered ({last_error})")

    def _relay(self, resp: http.client.HTTPResponse, backend: str) -> None:
        self.send_response_only(resp.status, resp.reason)
        length = resp.getheader("Content-Length")
        for name, value in resp.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)  # several Set-Cookie headers stay several
        self.send_header("X-Assess-Backend", backend)
        if length is None and self.command != "HEAD" and resp.status not in (204, 304):
            self.send_header("Connection", "close")  # unknown length: the end of the body is the end of it
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        while chunk := resp.read(CHUNK):
            self.wfile.write(chunk)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _proxy


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--backend", action="append", required=True, help="HOST:PORT of an app server (repeat)")
    args = parser.parse_args(argv)
    Handler.balancer = Balancer([_address(b) for b in args.backend])
    server = ThreadingHTTPServer(_address(args.listen), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"proxy on http://{host}:{port} → {', '.join(args.backend)}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
