"""A tiny loopback HTTP/1.1 server whose answers a test scripts per path, for hostile output
hosts and APIs that FakeWaveSpeed does not play: redirects with bodies, content-encodings,
decompression bombs, endless chunked bodies, lengths announced over a limit.

It records every request and counts the body bytes it managed to write per path, so a test can
show that a body was never read (the client hung up, the server stopped writing early).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[["_Handler"], None]
#: Body bytes written at once by streaming routes.
BLOCK = 64 * 1024


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


def gzipped(data: bytes, wbits: int = 31) -> bytes:
    """``data`` compressed: gzip (``wbits=31``), zlib-wrapped deflate (15) or raw deflate (-15)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def bomb(decoded_mib: int) -> bytes:
    """A gzip body of about ``decoded_mib`` / 1000 MiB that decodes to ``decoded_mib`` MiB of
    zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(decoded_mib)]
    return b"".join([*parts, compressor.flush()])


class Hostile:
    """``with Hostile() as server``: routes by path (the query ignored); ``server.url(path)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.sent: dict[str, int] = {}
        self._lock = threading.Condition()
        self._active = 0
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.hostile = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> Hostile:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def requested(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.split("?")[0] == path]

    def wait_idle(self, timeout: float = 3.0) -> None:
        """Wait until every request so far has been answered (or given up on)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._active == 0, timeout):
                raise AssertionError("the server is still answering")

    # --- routes ------------------------------------------------------------------------------

    def answer(
        self, path: str, body: bytes = b"", *, status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """A fixed answer with its Content-Length."""
        def route(handler: _Handler) -> None:
            handler.start(status, {"Content-Length": str(len(body)), **(headers or {})})
            handler.write(body)

        self.routes[path] = route

    def redirect(
        self, path: str, location: str, *, status: int = 302, body_bytes: int = 0
    ) -> None:
        """A redirect with a body of ``body_bytes`` zeros (announced), written until the
        client hangs up."""
        def route(handler: _Handler) -> None:
            headers = {"Location": location, "Content-Length": str(body_bytes)}
            handler.start(status, headers)
            handler.stream(_zeros(body_bytes))

        self.routes[path] = route

    def chunked(
        self, path: str, chunks: Iterable[bytes], *, status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """A chunked body (``chunks`` may be endless: written until the client hangs up)."""
        def route(handler: _Handler) -> None:
            handler.start(status, {"Transfer-Encoding": "chunked", **(headers or {})})
            handler.stream(chunks, chunked=True)

        self.routes[path] = route

    def script(self, path: str, answers: list[Route]) -> None:
        """The n-th request to ``path`` gets ``answers[n]`` (the last one repeats)."""
        count = iter(range(10**9))

        def route(handler: _Handler) -> None:
            answers[min(next(count), len(answers) - 1)](handler)

        self.routes[path] = route


def endless(block: bytes = bytes(BLOCK)) -> Iterator[bytes]:
    while True:
        yield block


def _zeros(size: int) -> Iterator[bytes]:
    while size > 0:
        yield bytes(min(BLOCK, size))
        size -= BLOCK


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-answer is what these tests do


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def do_GET(self) -> None:
        hostile: Hostile = self.server.hostile
        path = self.path.split("?")[0]
        hostile.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
        with hostile._lock:
            hostile._active += 1
        try:
            route = hostile.routes.get(path)
            if route is None:
                self.start(404, {"Content-Length": "0"})
            else:
                route(self)
        except OSError:  # the client hung up
            self.close_connection = True
        finally:
            with hostile._lock:
                hostile._active -= 1
                hostile._lock.notify_all()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def start(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def write(self, data: bytes) -> None:
        hostile: Hostile = self.server.hostile
        self.wfile.write(data)
        self.wfile.flush()
        path = self.path.split("?")[0]
        hostile.sent[path] = hostile.sent.get(path, 0) + len(data)

    def stream(self, chunks: Iterable[bytes], *, chunked: bool = False) -> None:
        hostile: Hostile = self.server.hostile
        for chunk in chunks:
            if hostile.stopping.is_set():
                break
            self.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        else:
            if chunked:
                self.write(b"0\r\n\r\n")
            return
        self.close_connection = True

    def cut(self) -> None:
        """Close the connection now (after what was written)."""
        self.close_connection = True
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass
