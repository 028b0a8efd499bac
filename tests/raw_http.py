"""A tiny HTTP server on loopback that answers exactly what a test sets, header bytes included:
for answers FakeWaveSpeed cannot shape (a ``Content-Length: ²``, a 5,000-digit
``Content-Range``). Every request gets the current answer, then the connection closes."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class RawServer(socketserver.ThreadingTCPServer):
    """``with RawServer() as server: server.answer = (206, [("Content-Range", "...")], b"x")``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer: tuple[int, list[tuple[str, str]], bytes] = (200, [], b"")
        self.seen: list[Seen] = []
        self._thread = threading.Thread(target=self.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=2)


class _Handler(socketserver.StreamRequestHandler):
    server: RawServer

    def handle(self) -> None:
        method, _, rest = self.rfile.readline(65537).decode("latin-1").partition(" ")
        seen = Seen(method, rest.rsplit(" ", 1)[0])
        while True:
            line = self.rfile.readline(65537).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name, _, value = line.partition(":")
            seen.headers[name.strip().lower()] = value.strip()
        length = seen.headers.get("content-length", "0")
        if length.isascii() and length.isdigit():
            self.rfile.read(int(length))
        self.server.seen.append(seen)
        status, headers, body = self.server.answer
        head = f"HTTP/1.1 {status} Answer\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers)
        self.wfile.write(_encoded(f"{head}Connection: close\r\n\r\n") + body)


def _encoded(head: str) -> bytes:
    """Latin-1, as HTTP reads header bytes (a "²" is one byte), else UTF-8 (mojibake)."""
    try:
        return head.encode("latin-1")
    except UnicodeEncodeError:
        return head.encode("utf-8")
