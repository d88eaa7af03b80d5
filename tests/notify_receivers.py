"""Real receivers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver, both on
127.0.0.1 on a port the system picks, in threads of the test process."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class _Controller(Controller):
    """aiosmtpd's controller with port 0: the real port is read from the bound socket before the
    controller's own readiness check connects to it."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """Every message the server accepted, parsed (``email.policy.default``). ``reply`` answers DATA instead
    (e.g. "550 …"); ``on_message(msg, n)`` runs after the n-th message was recorded, before the reply;
    ``delay`` seconds are waited before replying (to let two senders overlap)."""

    def __init__(self, port: int = 0):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reply: str | None = None
        self.on_message: Callable[[email.message.EmailMessage, int], None] | None = None
        self.delay = 0.0
        self._lock = threading.Lock()
        self.controller = _Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.reply:
            return self.reply
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            n = len(self.messages)
        if self.on_message:
            self.on_message(msg, n)
        if self.delay:
            time.sleep(self.delay)
        return "250 OK"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


class WebhookReceiver:
    """Records every POST (path, query, headers, JSON body) and answers ``status`` with ``body``."""

    def __init__(self):
        self.posts: list[dict] = []
        self.status = 200
        self.body = {"errcode": 0, "errmsg": "ok"}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                receiver.posts.append({"path": parts.path, "query": parse_qs(parts.query), "headers": dict(self.headers),
                                       "json": json.loads(raw or b"null")})
                data = json.dumps(receiver.body).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/robot/send?access_token=abc"
