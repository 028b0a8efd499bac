"""A raw TCP server on loopback for tests that need byte-level misbehaviour (cut handshakes,
refusing proxies, trickling answers): accepts in a thread and hands each connection to
``handle``, until ``close``."""

from __future__ import annotations

import socket
import threading
from typing import BinaryIO

#: How often the accept loop looks at the stop flag (seconds).
POLL = 0.05


class AcceptLoop:
    """Subclasses implement ``handle(connection)``; it runs on the accept thread unless it
    starts its own. ``port`` is free and bound at construction."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(POLL)
        self.port: int = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def handle(self, connection: socket.socket) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.handle(connection)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=2)
        self.listener.close()


class ClosingKeepAlive(AcceptLoop):
    """An HTTP/1.1 server whose keep-alive close crosses the next request: each connection's
    first request is answered with ``body`` (JSON) and the connection kept open; a later request
    on it is read in full and never answered, the connection closed, as when a server's idle
    timeout fires while a request is already on its way. ``requests`` lists ``(connection
    number from 1, method)`` for every request read."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests: list[tuple[int, str]] = []
        self._connections = 0
        super().__init__()

    def handle(self, connection: socket.socket) -> None:
        self._connections += 1
        number = self._connections
        threading.Thread(target=self._serve_one, args=(connection, number), daemon=True).start()

    def _serve_one(self, connection: socket.socket, number: int) -> None:
        answered = False
        with connection, connection.makefile("rb") as reader:
            while method := _read_request(reader):
                self.requests.append((number, method))
                if answered:
                    return  # the close crossed this request
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(self.body), self.body)
                )
                answered = True


def _read_request(reader: BinaryIO) -> str:
    """The method of the next request, read to the end of its body ("" at end of stream)."""
    method = reader.readline(65537).split(b" ", 1)[0].decode("latin-1")
    length = 0
    while (line := reader.readline(65537)) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    reader.read(length)
    return method
