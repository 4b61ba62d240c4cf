"""A TCP proxy on 127.0.0.1 in front of a test redis-server, to break the network on demand:
black-hole it (``pause``: connections are accepted, nothing passes either way, what was sent
is lost), hold every reply until told (``hold_replies``), or lose the reply to one command
(``lose_reply_to``: the command reaches Redis, its reply is dropped, and the connection closed
or left silent, as when a network fails after the server acted).

Threads, not an event loop: the stores' commands run in worker threads, and the same proxy
serves tests on asyncio and on trio.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class RedisProxy:
    def __init__(self, upstream_port: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._lock = threading.Lock()
        self._open = threading.Event()  # cleared: black-holed
        self._open.set()
        self._replies = threading.Event()  # cleared: replies held
        self._replies.set()
        # markers of commands whose reply is lost (once each), and whether to close then
        self._lose: list[tuple[bytes, bool]] = []
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        #: connections accepted, and command chunks received from clients
        self.connections = 0
        self.commands = 0
        self._received: list[bytes] = []
        self._start(self._accept)

    def __enter__(self) -> RedisProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def pause(self) -> None:
        """Black-hole: accept, pass nothing, lose what is sent."""
        self._open.clear()

    def resume(self) -> None:
        self._open.set()

    def hold_replies(self) -> None:
        """Commands still reach Redis; their replies wait until ``release_replies``."""
        self._replies.clear()

    def release_replies(self) -> None:
        self._replies.set()

    def lose_reply_to(self, marker: bytes, *, close: bool = True) -> None:
        """The next command containing ``marker`` reaches Redis; its reply is lost, and the
        connection closed (the client sees it at once) or not (the client times out)."""
        with self._lock:
            self._lose.append((marker, close))

    def commands_with(self, marker: bytes) -> int:
        """How many command chunks from clients held ``marker``."""
        with self._lock:
            return sum(marker in data for data in self._received)

    def close(self) -> None:
        self._closed = True
        self._open.set()
        self._replies.set()
        _shut(self._listener)  # wakes the accepting thread
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)
        for thread in self._threads:
            thread.join(timeout=5)

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                _shut(client)
                continue
            server.settimeout(None)
            with self._lock:
                self.connections += 1
                self._sockets += [client, server]
            pair = _Pair()
            self._start(self._pump, client, server, pair, True)
            self._start(self._pump, server, client, pair, False)

    def _pump(self, source: socket.socket, sink: socket.socket, pair: _Pair, up: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    return
                if up:
                    with self._lock:
                        self.commands += 1
                        self._received.append(data)
                        lost = next((m for m in self._lose if m[0] in data), None)
                        if lost is not None and self._open.is_set():
                            self._lose.remove(lost)
                            pair.lose_next_reply = "close" if lost[1] else "drop"
                if not self._open.is_set():
                    continue  # black-holed: lost
                if not up:
                    self._replies.wait()
                    if pair.lose_next_reply == "close":
                        return  # the reply is lost, the connection closed (finally below)
                    if pair.lose_next_reply == "drop":
                        pair.lose_next_reply = None
                        continue
                sink.sendall(data)
        except OSError:
            return
        finally:
            _shut(source)
            _shut(sink)


class _Pair:
    __slots__ = ("lose_next_reply",)

    def __init__(self) -> None:
        self.lose_next_reply: str | None = None


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
