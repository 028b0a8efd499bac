"""A raw TCP server on loopback for tests that need byte-level misbehaviour (cut handshakes,
refusing proxies, trickling answers): accepts in a thread and hands each connection to
``handle``, until ``close``."""

from __future__ import annotations

import socket
import threading

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
