"""An HTTP/1.1 server on 127.0.0.1 in threads of its own, outside every event loop: it keeps
serving while a test blocks or replaces the client's loop, and it closes idle keep-alive
connections the way servers do (after ``keepalive`` seconds, or when told to)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from types import TracebackType

REPLY_BODY = b'{"errcode":0,"errmsg":"ok"}'
TOKEN_BODY = b'{"access_token":"TOKEN_threaded","expires_in":7200}'
_POLL = 0.002


def _reply(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class KeepAlivePeer:
    """Answers every request with errcode 0 and records its request line and body once read
    whole (``received``).

    An idle connection is closed ``keepalive`` seconds after its last reply (None: never), or
    at once after :meth:`close_idle`; ``reset=True`` closes with a reset instead of a FIN.
    """

    def __init__(self, *, keepalive: float | None = None, reset: bool = False) -> None:
        self.keepalive = keepalive
        self.reset = reset
        self.received: list[str] = []
        self.connections = 0
        self.idle_closes = 0
        self._changed = threading.Condition()
        self._idle = 0  # connections waiting for a request
        self._close_before = 0.0  # connections idle since before this close (close_idle)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> KeepAlivePeer:
        self._listener.settimeout(_POLL * 10)
        self._spawn(self._accept)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def close_idle(self) -> int:
        """Close every connection idle now; returns the idle-close count to wait for."""
        with self._changed:
            self._close_before = time.monotonic()
            return self.idle_closes + self._idle

    def wait_idle_closes(self, count: int, timeout: float = 5.0) -> None:
        """Block (the calling thread: a test's event loop, on purpose) until ``count`` idle
        connections have been closed."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.idle_closes >= count, timeout):
                raise TimeoutError(f"{self.idle_closes} idle closes, waited for {count}")

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._changed:
                self.connections += 1
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(_POLL)
        buffer = b""
        idle_since = time.monotonic()
        self._count_idle(+1)
        idle = True
        try:
            while not self._stopping.is_set():
                if b"\r\n\r\n" not in buffer:
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        if idle and self._should_close(idle_since):
                            self._close_idle(conn)
                            idle = False
                            return
                        continue
                    if not chunk:
                        return
                    if idle:
                        self._count_idle(-1)
                        idle = False
                    buffer += chunk
                    continue
                head, _, rest = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                conn.settimeout(5)
                while len(rest) < length:
                    rest += conn.recv(65536)
                conn.settimeout(_POLL)
                buffer = rest[length:]
                request_line = head.split(b"\r\n", 1)[0].decode()
                with self._changed:
                    self.received.append(f"{request_line} {rest[:length].decode()}")
                body = TOKEN_BODY if " /cgi-bin/" in request_line else REPLY_BODY
                idle_since = time.monotonic()
                if not buffer:  # idle before the reply leaves: close_idle() sees it at once
                    self._count_idle(+1)
                    idle = True
                conn.sendall(_reply(body))
        except OSError:
            return
        finally:
            if idle:
                self._count_idle(-1)
            conn.close()

    def _count_idle(self, change: int) -> None:
        with self._changed:
            self._idle += change

    def _should_close(self, idle_since: float) -> bool:
        if idle_since <= self._close_before:
            return True
        return self.keepalive is not None and time.monotonic() - idle_since >= self.keepalive

    def _close_idle(self, conn: socket.socket) -> None:
        if self.reset:  # linger 0: the close sends a reset
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        with self._changed:
            self._idle -= 1
            self.idle_closes += 1
            self._changed.notify_all()
