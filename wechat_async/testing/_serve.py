"""Serve any ASGI app on a loopback port with the field's servers: uvicorn under asyncio,
hypercorn under trio. The emulator, ``wechat-async`` and your tests use it.

>>> async with AsgiServer(app) as server:  # doctest: +SKIP
...     server.base_url
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import anyio
import anyio.abc

from ..transports._base import on_asyncio
from ._app import DroppedConnection

__all__ = ["AsgiServer"]


class _DeliberateDrops(logging.Filter):
    """uvicorn logs an app's exception with its traceback; a fault the emulator was asked to
    inject (a dropped connection) is not an error, and one traceback per fault buries real ones.
    Nor is a request cancelled with the event loop: a server stopped by a cancellation (Ctrl-C
    in the CLI) leaves its busy requests to the loop's shutdown, which cancels them."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, (DroppedConnection, asyncio.CancelledError))


_DELIBERATE_DROPS = _DeliberateDrops()


@functools.cache
def _embedded_uvicorn() -> type[Any]:
    import uvicorn

    class Embedded(uvicorn.Server):
        """uvicorn that leaves the process's signals alone: it serves inside someone else's
        program (a test, the CLI), whose Ctrl-C must reach that program, not stop only the
        server and leave the program talking to a closed port."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Embedded


class AsgiServer:
    """Serves ``app`` on ``host`` (a free port unless ``port`` is given) for the life of an
    ``async with`` block, its lifespan (startup, shutdown) included: ``server.base_url`` is
    where. The block ends by stopping the server (busy connections get a second).

    A pytest fixture for your app:

    >>> @pytest.fixture  # doctest: +SKIP
    ... async def app_url() -> AsyncIterator[str]:
    ...     async with AsgiServer(my_app) as server:
    ...         yield server.base_url + "/wechat/push"
    """

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._host, self._port = host, port
        self.base_url = "http://<not started>"
        self._stop: Callable[[], None] | None = None
        self._tg: anyio.abc.TaskGroup | None = None

    @property
    def running(self) -> bool:
        return self._stop is not None

    @property
    def task_group(self) -> anyio.abc.TaskGroup | None:
        """The group serving runs in (background work tied to the server's life)."""
        return self._tg if self._stop is not None else None

    async def __aenter__(self) -> AsgiServer:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
        # and without it every reply waits out a delayed ACK (40 ms) between head and body.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))  # a port in use, an address not ours
            sock.listen(1024)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self.base_url = f"http://{self._host}:{sock.getsockname()[1]}"
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        try:
            if on_asyncio():
                await self._serve_uvicorn(sock)
            else:
                await self._serve_hypercorn(sock)
        except BaseException:
            self._tg.cancel_scope.cancel()
            await self._tg.__aexit__(None, None, None)
            raise
        return self

    async def _serve_uvicorn(self, sock: socket.socket) -> None:
        import uvicorn

        logging.getLogger("uvicorn.error").addFilter(
            _DELIBERATE_DROPS
        )  # added once, however many run

        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="auto",
            access_log=False,
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,
        )
        server = _embedded_uvicorn()(config)
        assert self._tg is not None
        self._tg.start_soon(server.serve, [sock])
        while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, not an event
            await anyio.sleep(0.005)

        def stop() -> None:
            server.should_exit = True

        self._stop = stop

    async def _serve_hypercorn(self, sock: socket.socket) -> None:
        import hypercorn.config
        import hypercorn.trio

        config = hypercorn.config.Config()
        config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns (and closes) it from here
        config.loglevel = "WARNING"
        config.accesslog = None
        config.errorlog = None
        config.graceful_timeout = 1.0
        stopped = anyio.Event()

        async def serve(*, task_status: Any) -> None:
            await hypercorn.trio.serve(
                self.app,
                config,
                shutdown_trigger=stopped.wait,
                task_status=task_status,
            )

        assert self._tg is not None
        await self._tg.start(serve)
        self._stop = stopped.set

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tg is not None
        assert self._stop is not None
        self._stop()
        self._stop = None
        # Both servers close idle connections at once and give busy ones a second.
        await self._tg.__aexit__(None, None, None)
