"""The HTTP/1.1 side of ``FakeWaveSpeed``: keep-alive connections, idle timeout, fault shaping,
served from a background thread.

The server knows nothing of WaveSpeed: it turns each request into an ``Inbound``, asks its
``App`` for a ``Reply`` and writes it, letting the reply's fault delay, drop, trickle or cut it.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from wavevid.testing._responses import Response, failure
from wavevid.testing._rules import Fault

logger = logging.getLogger("wavevid.testing")
#: One INFO record per request answered (method, path without its query, status or ``no
#: answer``), never a header: ``wavevid fake-server`` shows them on stderr.
request_log = logging.getLogger("wavevid.testing.requests")

_SERVE_POLL_SECONDS = 0.01
"""How often the serving loop checks for ``stop``; bounds how long ``stop`` takes."""
_UNSHAPED = Fault("any")
"""Stands in for "no fault" when writing: no delay, no drop, whole body at once."""


@dataclass(frozen=True)
class Inbound:
    """A request as read off the wire, minus the ``Authorization`` value."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    had_authorization: bool
    authorized: bool
    body: bytes
    connection_id: int


@dataclass(frozen=True)
class Reply:
    """What to answer, and the fault (if any) that shapes how it is written."""

    response: Response
    fault: Fault | None = None


class App(Protocol):
    """The protocol logic behind the server."""

    def accept_connection(self) -> int:
        """Count a new TCP connection and return its id."""

    def is_authorized(self, authorization: str) -> bool:
        """Tell whether an ``Authorization`` header value carries the right key."""

    def handle(self, inbound: Inbound) -> Reply:
        """Answer one request (may block, e.g. for sync mode)."""


class FakeHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 with an OS-chosen port; each connection is a thread."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, app: App, idle_timeout: float | None, port: int = 0) -> None:
        """Bind now; ``idle_timeout`` closes keep-alive connections idle that long (None: never)."""
        self.app = app
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(("127.0.0.1", port), _Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host name."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def serve_in_background(self, name: str) -> None:
        """Serve from a daemon thread called ``name`` until ``stop``."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": _SERVE_POLL_SECONDS},
            name=name,
            daemon=True,
        )
        self._thread.start()

    @property
    def serving(self) -> bool:
        """True from ``serve_in_background`` until ``stop``."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_port}"

    def track(self, connection: socket.socket) -> None:
        """Remember an open connection so that ``stop`` can close it."""
        with self._open_lock:
            self._open.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        """Forget a connection whose handler is done (the server then closes it)."""
        with self._open_lock:
            self._open.discard(connection)

    def handle_error(self, request: object, client_address: object) -> None:
        """Log a connection that failed mid-request (usually the client went away)."""
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def stop(self) -> None:
        """Stop serving: wake sleeping handlers, close every open connection and the socket, and
        end the serving thread. Only while ``serving``."""
        self.stopping.set()
        self.shutdown()
        with self._open_lock:
            for connection in self._open:
                _close_quietly(connection)
        self.server_close()
        if self._thread is not None:
            self._thread.join()


def _close_quietly(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        logger.debug("connection already closed")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, never 40 ms apart
    server: FakeHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)
        self.connection_id = self.server.app.accept_connection()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        try:
            inbound = self._read()
        except ValueError:
            self.close_connection = True
            self._write(Reply(failure(400, "Malformed request")))
            request_log.info("%s (malformed) 400", self.command)
            return
        try:
            reply = self.server.app.handle(inbound)
        except Exception:
            logger.exception("FakeWaveSpeed failed on %s %s", inbound.method, inbound.path)
            reply = Reply(failure(500, "Internal error of the fake server"))
        answered = self._write(reply)
        status = reply.response.status if answered else "no answer"
        request_log.info("%s %s %s", inbound.method, inbound.path, status)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _read(self) -> Inbound:
        """Read the rest of the request; ``ValueError`` when its framing is broken."""
        url = urlsplit(self.path)
        authorization = self.headers.get("Authorization")
        return Inbound(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={k: v for k, v in self.headers.items() if k.lower() != "authorization"},
            had_authorization=authorization is not None,
            authorized=authorization is not None and self.server.app.is_authorized(authorization),
            body=self._read_body(),
            connection_id=self.connection_id,
        )

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():
            pass  # trailer fields
        return b"".join(chunks)

    def _write(self, reply: Reply) -> bool:
        """Write ``reply`` as its fault shapes it; False when nothing was answered."""
        fault = reply.fault or _UNSHAPED
        if self.server.stopping.wait(fault.delay) or fault.drop:
            self.close_connection = True
            return False
        response = reply.response
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        limit = fault.body_limit(len(response.body))
        body = response.body[:limit]
        completed = self._write_body(body, fault.trickle, response.trickle_chunk)
        if not completed or limit < len(response.body):
            self.close_connection = True
        return True

    def _write_body(self, body: bytes, trickle: float | None, chunk: int) -> bool:
        """Send ``body``, one ``chunk`` per ``trickle`` seconds if set; False if stopped."""
        if not trickle:
            self.wfile.write(body)
            return True
        for start in range(0, len(body), chunk):
            if self.server.stopping.wait(trickle):
                return False
            self.wfile.write(body[start : start + chunk])
        return True
