"""The send layer: both transports on a real loopback socket, failure classification, the
call deadline as a hard bound, rate limiting, 45011, and user-supplied transports."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import attrs
import httpx
import pytest
import respx

from tests.helpers import APPID, BASE, SECRET, client_for, fast_retry, mock_token
from tests.http_peer import KeepAlivePeer
from wechat_async import (
    ClientClosedError,
    ConfigurationError,
    EmptyResponse,
    Endpoint,
    Namespace,
    QuotaExceededError,
    RetryPolicy,
    TransportError,
    Upload,
    WeChatClient,
)
from wechat_async.transports import SendError, Timeouts, Transport, TransportResponse
from wechat_async.transports._base import Failure

TOKEN_REPLY = b'{"access_token":"TOKEN_on_the_wire","expires_in":7200}'


@attrs.define(kw_only=True)
class Ping:
    n: int = 0


@attrs.define(kw_only=True)
class Photo:
    buffer: Upload


class ProbeNamespace(Namespace):
    safe = Endpoint("POST", "/t/safe", Ping, EmptyResponse, idempotent=True)
    unsafe = Endpoint("POST", "/t/unsafe", Ping, EmptyResponse, idempotent=False)
    upload = Endpoint("POST", "/t/upload", Photo, EmptyResponse, idempotent=True, body="multipart")


Behaviour = Callable[[anyio.abc.SocketStream, bytes], Awaitable[None]]


async def _read_request(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive()
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += await stream.receive()
    return head + b"\r\n\r\n" + body


def _reply(body: bytes, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{extra}"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


class LoopbackServer:
    """A scripted HTTP/1.1 peer on 127.0.0.1: each path misbehaves in its own way."""

    def __init__(self, behaviours: Mapping[str, Behaviour]) -> None:
        self.behaviours = behaviours
        self.requests: list[bytes] = []
        self.port = 0

    async def _serve_one(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                while True:
                    request = await _read_request(stream)
                    self.requests.append(request)
                    target = request.split(b" ", 2)[1].decode()
                    path = target.split("?")[0]
                    if path.startswith("/cgi-bin/"):
                        await stream.send(_reply(TOKEN_REPLY))
                        continue
                    await self.behaviours[path](stream, request)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                return

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
        self.port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
        async with listener, anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, self._serve_one)
            try:
                yield f"http://127.0.0.1:{self.port}"
            finally:
                tg.cancel_scope.cancel()


async def ok(stream: anyio.abc.SocketStream, _: bytes) -> None:
    await stream.send(_reply(b'{"errcode":0,"errmsg":"ok","seen":1}', "x-test: yes\r\n"))


async def drop(stream: anyio.abc.SocketStream, _: bytes) -> None:
    await stream.aclose()


async def silent(stream: anyio.abc.SocketStream, _: bytes) -> None:
    await anyio.sleep(30)


async def trickle(stream: anyio.abc.SocketStream, _: bytes) -> None:
    """A server that is never silent long enough for a read timeout: one byte at a time."""
    body = b'{"errcode":0,"errmsg":"ok"}' + b" " * 200
    head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\n\r\n".encode()
    await stream.send(head)
    for i in range(len(body)):
        await stream.send(body[i : i + 1])
        await anyio.sleep(0.05)


def _transports(backend: str) -> list[str]:
    return ["httpx", "aiohttp"] if backend == "asyncio" else ["httpx"]


@asynccontextmanager
async def _client(base: str, transport: str, **options: Any) -> AsyncIterator[WeChatClient]:
    options.setdefault("retry", fast_retry())
    async with WeChatClient(APPID, SECRET, base_url=base, transport=transport, **options) as client:  # type: ignore[arg-type]
        yield client


async def test_both_transports_send_the_same_bytes_and_read_status_headers_body(
    anyio_backend: str,
) -> None:
    server = LoopbackServer({"/t/safe": ok, "/t/upload": ok})
    async with server.running() as base:
        seen: list[tuple[bytes, bytes]] = []
        for name in _transports(anyio_backend):
            server.requests.clear()
            async with _client(base, name) as client:
                ns = ProbeNamespace(client)
                raw = await ns.safe.raw(n=7)
                assert raw.status_code == 200
                assert {k.lower(): v for k, v in raw.headers.items()}["x-test"] == "yes"
                assert raw.parsed.extra == {"seen": 1}
                await ns.upload(buffer=Upload(content=b"\x89PNG...", filename="a.png"))
            call, upload = server.requests[-2:]
            assert b"access_token=TOKEN_on_the_wire" in call.split(b"\r\n")[0]
            assert call.endswith(b'{"n":7}')
            assert b'filename="a.png"' in upload
            assert b"\x89PNG..." in upload
            seen.append((call.split(b"\r\n")[0], call.rpartition(b"\r\n\r\n")[2]))
        assert len({s for s in seen}) == 1  # both transports: same request line and body


@pytest.mark.parametrize("path", ["/t/safe", "/t/unsafe"])
async def test_connection_dropped_after_the_request_is_ambiguous(
    anyio_backend: str, path: str
) -> None:
    server = LoopbackServer({"/t/safe": drop, "/t/unsafe": drop})
    async with server.running() as base:
        for name in _transports(anyio_backend):
            server.requests.clear()
            async with _client(base, name) as client:
                ns = ProbeNamespace(client)
                with pytest.raises(TransportError) as info:
                    await (ns.safe() if path == "/t/safe" else ns.unsafe())
            assert info.value.may_have_been_applied
            sent = [r for r in server.requests if path.encode() in r.split(b"\r\n")[0]]
            # Retried only where a repeat is harmless.
            assert len(sent) == (3 if path == "/t/safe" else 1), name


async def test_connection_refused_is_never_sent_and_retried_everywhere(
    anyio_backend: str,
) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name in _transports(anyio_backend):
        attempts = 0

        async def counting_sleep(_: float) -> None:
            nonlocal attempts
            attempts += 1

        retry = fast_retry(sleep=counting_sleep)
        async with _client(
            f"http://127.0.0.1:{port}", name, token_provider=_static_token, retry=retry
        ) as client:
            with pytest.raises(TransportError) as info:
                await ProbeNamespace(client).unsafe()
        assert not info.value.may_have_been_applied
        assert attempts == 2, name  # a request never sent is retried even when not idempotent


async def _static_token() -> str:
    return "TOKEN_static"


@pytest.mark.slow
async def test_deadline_bounds_a_trickling_server(anyio_backend: str) -> None:
    """Each byte resets a read timeout; the call's deadline is a hard bound nonetheless."""
    server = LoopbackServer({"/t/unsafe": trickle})
    async with server.running() as base:
        for name in _transports(anyio_backend):
            policy = fast_retry(deadline=0.5)
            async with _client(base, name, retry=policy, timeout=5) as client:
                started = time.monotonic()
                with pytest.raises(TransportError) as info:
                    await ProbeNamespace(client).unsafe()
                elapsed = time.monotonic() - started
            # The trickle alone lasts 10 s; 0.5 s plus scheduling slack is the bound.
            assert elapsed < 3.0, (name, elapsed)
            assert "deadline" in str(info.value)
            assert info.value.may_have_been_applied


async def test_deadline_covers_the_token_fetch(anyio_backend: str) -> None:
    async def slow_provider() -> str:
        await anyio.sleep(10)
        return "never"

    router = respx.Router(assert_all_called=False)
    async with client_for(
        router, token_provider=slow_provider, retry=fast_retry(deadline=0.2)
    ) as client:
        with pytest.raises(TransportError) as info:
            await ProbeNamespace(client).unsafe()
    assert "deadline" in str(info.value)
    assert not info.value.may_have_been_applied  # nothing was sent


@pytest.mark.slow
async def test_read_timeout_is_ambiguous(anyio_backend: str) -> None:
    server = LoopbackServer({"/t/unsafe": silent})
    async with server.running() as base:
        for name in _transports(anyio_backend):
            async with _client(base, name, timeout=Timeouts(read=0.2)) as client:
                with pytest.raises(TransportError) as info:
                    await ProbeNamespace(client).unsafe()
            assert info.value.may_have_been_applied
            assert "deadline" not in str(info.value)


async def test_aiohttp_on_trio_is_a_configuration_error(anyio_backend: str) -> None:
    if anyio_backend != "trio":
        return
    from wechat_async import ConfigurationError

    async with WeChatClient(APPID, SECRET, transport="aiohttp") as client:
        with pytest.raises(ConfigurationError, match="asyncio"):
            await ProbeNamespace(client).safe()


@pytest.mark.parametrize("aiohttp_installed", [True, False])
async def test_default_transport_is_aiohttp_on_asyncio_when_installed_else_httpx(
    anyio_backend: str, aiohttp_installed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wechat_async.transports import HttpxTransport
    from wechat_async.transports.aiohttp import AiohttpTransport

    if not aiohttp_installed:
        monkeypatch.setitem(sys.modules, "aiohttp", None)  # what an import finds uninstalled
    server = LoopbackServer({"/t/safe": ok})
    async with (
        server.running() as base,
        WeChatClient(APPID, SECRET, base_url=base, retry=fast_retry()) as client,
    ):
        await ProbeNamespace(client).safe()  # the chosen transport sends
        chosen = client.transport
    assert len(server.requests) == 2  # the token, then the call
    if anyio_backend == "asyncio" and aiohttp_installed:
        assert isinstance(chosen, AiohttpTransport)
    else:  # aiohttp cannot run on trio, nor run uninstalled
        assert isinstance(chosen, HttpxTransport)


def test_transport_settings_are_checked() -> None:
    from wechat_async import ConfigurationError

    with pytest.raises(ConfigurationError, match="transport"):
        WeChatClient(APPID, SECRET, transport="requests")  # type: ignore[arg-type]


class RecordingTransport:
    """A user's own send layer: what the Transport protocol promises is all the client uses."""

    def __init__(self, replies: list[TransportResponse | SendError]) -> None:
        self.replies = replies
        self.sent: list[tuple[str, str, bytes | None]] = []
        self.closed = False

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Timeouts,
    ) -> TransportResponse:
        self.sent.append((method, url, body))
        reply = self.replies.pop(0)
        if isinstance(reply, SendError):
            raise reply
        return reply

    async def aclose(self) -> None:
        self.closed = True


def _json(data: dict[str, Any]) -> TransportResponse:
    return TransportResponse(200, {}, json.dumps(data).encode())


async def test_a_user_transport_gets_every_attempt_and_stays_open() -> None:
    transport = RecordingTransport(
        [
            SendError(Failure.NEVER_SENT, "refused"),
            _json({"errcode": 0, "errmsg": "ok"}),
        ]
    )
    assert isinstance(transport, Transport)
    async with WeChatClient(
        APPID, token_provider=_static_token, transport=transport, retry=fast_retry()
    ) as client:
        await ProbeNamespace(client).unsafe(n=1)
    assert [s[0] for s in transport.sent] == ["POST", "POST"]
    assert transport.sent[0][1] == BASE + "/t/unsafe?access_token=TOKEN_static"
    assert not transport.closed  # the user's: they close it


async def test_slow_down_45011_waits_for_the_next_minute_on_idempotent_calls_only() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    policy = RetryPolicy(sleep=sleep, random=lambda: 0.5, wall_clock=lambda: 1_767_225_645.0)
    limited = {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
    transport = RecordingTransport([_json(limited), _json({"errcode": 0, "errmsg": "ok"})])
    async with WeChatClient(
        APPID, token_provider=_static_token, transport=transport, retry=policy
    ) as client:
        await ProbeNamespace(client).safe()
        assert slept == [15.5]  # 45 s into the minute: 15 s to go, plus jitter
        transport.replies = [_json(limited)]
        with pytest.raises(QuotaExceededError):
            await ProbeNamespace(client).unsafe()
    assert slept == [15.5]


async def test_rate_limiter_is_awaited_before_every_attempt() -> None:
    asked: list[tuple[str, str]] = []

    class Limiter:
        async def acquire(self, appid: str, path: str) -> None:
            asked.append((appid, path))

    router = respx.Router()
    mock_token(router)
    router.post(BASE + "/t/safe").mock(
        side_effect=[
            respx.MockResponse(502),
            respx.MockResponse(200, json={"errcode": 0, "errmsg": "ok"}),
        ]
    )
    async with client_for(router, rate_limiter=Limiter()) as client:
        await ProbeNamespace(client).safe()
    # The token fetch is a call too (it has its own daily quota): the limiter sees it.
    assert asked == [(APPID, "/cgi-bin/stable_token"), (APPID, "/t/safe"), (APPID, "/t/safe")]


async def test_with_options_deadline(anyio_backend: str) -> None:
    server = LoopbackServer({"/t/safe": silent})
    async with server.running() as base, _client(base, "httpx") as client:
        quick = client.with_options(deadline=0.2)
        with pytest.raises(TransportError, match="deadline"):
            await ProbeNamespace(quick).safe()
        assert client._retry.deadline == 60.0


async def _calls_at_once(base: str, transport: str, calls: int, deadline: float) -> Any:
    """``calls`` calls started together: how each ended, and the longest the loop stalled.
    ``transport`` "own httpx" is an ``http_client`` of the user's (httpx's default pool)."""
    outcomes: dict[str, int] = {}
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await anyio.sleep(0.05)

    retry = fast_retry(deadline=deadline, max_retries=0)
    options: dict[str, Any] = {"token_provider": _static_token, "retry": retry}
    async with contextlib.AsyncExitStack() as stack:
        if transport == "own httpx":
            options["http_client"] = await stack.enter_async_context(httpx.AsyncClient())
            transport = "httpx"
        client = await stack.enter_async_context(_client(base, transport, **options))
        probe = ProbeNamespace(client)
        await probe.safe()  # the token, and a connection to reuse: a client in service

        async def call() -> None:
            try:
                await probe.safe()
                outcome = "served"
            except TransportError as exc:
                if "deadline" in str(exc):
                    outcome = "deadline"
                else:  # e.g. a connect timeout: the in-process server accepts late
                    outcome = "not sent" if not exc.may_have_been_applied else str(exc)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

        ticks.append(time.monotonic())
        with anyio.move_on_after(120):  # minutes before the fix
            async with anyio.create_task_group() as tg:
                tg.start_soon(ticker)
                async with anyio.create_task_group() as callers:
                    for _ in range(calls):
                        callers.start_soon(call)
                tg.cancel_scope.cancel()
        ticks.append(time.monotonic())
        await probe.safe()  # every call cut off gave its place back
    return outcomes, max(b - a for a, b in itertools.pairwise(ticks))


@pytest.mark.slow
async def test_ten_thousand_concurrent_calls_end_by_their_deadline(anyio_backend: str) -> None:
    """Every call ends, served or cut off by its deadline (how many are served depends on the
    machine), and the event loop keeps running throughout: waiting for a connection costs the
    same however many wait (httpcore's own queue rescans every waiter on each change, and
    stalled the loop for minutes)."""
    server = LoopbackServer({"/t/safe": ok})
    async with server.running() as base:
        for name in [*_transports(anyio_backend), "own httpx"]:
            outcomes, stall = await _calls_at_once(base, name, calls=10_000, deadline=5.0)
            assert sum(outcomes.values()) == 10_000, (name, outcomes)
            assert set(outcomes) <= {"served", "deadline", "not sent"}, (name, outcomes)
            assert stall < 20, (name, stall)  # seconds to start 10,000 tasks, not minutes


async def test_httpx_waiters_beyond_its_connections_time_out_as_never_sent(
    anyio_backend: str,
) -> None:
    from wechat_async.transports import HttpxTransport

    server = LoopbackServer({"/t/slow": silent, "/t/drop": drop, "/t/ok": ok})
    transport = HttpxTransport(max_connections=1)
    async with server.running() as base:
        # A failed exchange gives its turn back; a served one too.
        with pytest.raises(SendError):
            await transport.send("POST", base + "/t/drop", {}, b"{}", Timeouts())
        assert (await transport.send("POST", base + "/t/ok", {}, b"{}", Timeouts())).status == 200
        async with anyio.create_task_group() as tg:
            tg.start_soon(transport.send, "POST", base + "/t/slow", {}, b"{}", Timeouts())
            await anyio.sleep(0.1)  # the one connection is taken
            with pytest.raises(SendError) as info:
                await transport.send("POST", base + "/t/ok", {}, b"{}", Timeouts(pool=0.2))
            tg.cancel_scope.cancel()
        await transport.aclose()
    assert info.value.failure is Failure.NEVER_SENT
    assert "no free connection" in str(info.value)
    assert [r.split(b" ")[1] for r in server.requests] == [b"/t/drop", b"/t/ok", b"/t/slow"]


async def test_httpx_connections_are_spread_over_pools_of_five(anyio_backend: str) -> None:
    """httpcore's pool scans every connection, and for each idle one every connection again,
    on each request: the transport's own connections go to clients of at most five."""
    from wechat_async.transports import HttpxTransport
    from wechat_async.transports.httpx import _httpcore_pool

    server = LoopbackServer({"/t/slow": silent, "/t/ok": ok})
    transport = HttpxTransport(max_connections=7)
    async with server.running() as base:
        assert (await transport.send("POST", base + "/t/ok", {}, b"{}", Timeouts())).status == 200
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(transport.send, "POST", base + "/t/slow", {}, b"{}", Timeouts())
            await anyio.sleep(0.3)  # 7 requests taken, the 8th waits here
            pools = [_httpcore_pool(client) for client in transport._lanes]
            assert [len(pool.connections) for pool in pools if pool] == [5, 2]
            assert transport._busy == [5, 2]
            tg.cancel_scope.cancel()
        assert transport._busy == [0, 0]
        await transport.aclose()
    assert all(client.is_closed for client in transport._lanes)
    assert len([r for r in server.requests if b"/t/slow" in r]) == 7


async def test_each_request_goes_to_its_own_url_and_timeouts(anyio_backend: str) -> None:
    """The transports keep the last URL and timeouts converted: a change of either is sent."""
    server = LoopbackServer({"/t/ok": ok, "/t/slow": silent})
    async with server.running() as base:
        for name in _transports(anyio_backend):
            transport: Transport
            if name == "httpx":
                from wechat_async.transports import HttpxTransport

                transport = HttpxTransport()
            else:
                from wechat_async.transports.aiohttp import AiohttpTransport

                transport = AiohttpTransport()
            server.requests.clear()
            for query in ("a=1", "a=2", "a=2", "a=1"):
                await transport.send("POST", f"{base}/t/ok?{query}", {}, b"{}", Timeouts())
            with pytest.raises(SendError), anyio.fail_after(10):
                await transport.send("POST", base + "/t/slow", {}, b"{}", Timeouts(read=0.05))
            paths = [r.split(b" ")[1] for r in server.requests]
            assert paths == [b"/t/ok?a=1", b"/t/ok?a=2", b"/t/ok?a=2", b"/t/ok?a=1", b"/t/slow"]
            await transport.aclose()


async def test_a_call_after_aclose_is_refused_and_opens_no_pool(anyio_backend: str) -> None:
    with KeepAlivePeer() as peer:
        for name in _transports(anyio_backend):
            client = WeChatClient(
                APPID,
                token_provider=_static_token,
                base_url=peer.base_url,
                transport=name,  # type: ignore[arg-type]
                retry=fast_retry(),
            )
            clone = client.with_options(deadline=5)
            await ProbeNamespace(client).safe()
            await client.aclose()
            connections = peer.connections
            for closed in (client, clone):
                with pytest.raises(ClientClosedError, match="closed"):
                    await ProbeNamespace(closed).safe()
            with pytest.raises(ClientClosedError):
                client.transport  # noqa: B018 - would make a new pool
            with pytest.raises(ClientClosedError):
                async with client:
                    pass
            await client.aclose()  # again: nothing to do
            assert peer.connections == connections, name

            never_used = WeChatClient(APPID, token_provider=_static_token, transport=name)  # type: ignore[arg-type]
            await never_used.aclose()
            with pytest.raises(ClientClosedError):
                await ProbeNamespace(never_used).safe()
        assert len(peer.received) == len(_transports(anyio_backend))


async def test_a_closed_transport_refuses_to_send_and_opens_no_pool(anyio_backend: str) -> None:
    import aiohttp

    from wechat_async.transports import HttpxTransport
    from wechat_async.transports.aiohttp import AiohttpTransport

    def transports() -> list[tuple[Transport, Callable[[], Awaitable[None]] | None]]:
        own_httpx = httpx.AsyncClient()
        made: list[tuple[Transport, Callable[[], Awaitable[None]] | None]] = [
            (HttpxTransport(), None),
            (HttpxTransport(own_httpx), own_httpx.aclose),  # the user closes theirs
        ]
        if anyio_backend == "asyncio":
            own_session = aiohttp.ClientSession()
            made += [(AiohttpTransport(), None), (AiohttpTransport(own_session), own_session.close)]
        return made

    with KeepAlivePeer() as peer:
        for transport, close_theirs in transports():
            await transport.send("POST", peer.base_url + "/t/safe", {}, b"{}", Timeouts())
            await (close_theirs or transport.aclose)()
            connections = peer.connections
            with pytest.raises(ClientClosedError, match="closed"):
                await transport.send("POST", peer.base_url + "/t/safe", {}, b"{}", Timeouts())
            await transport.aclose()
            assert peer.connections == connections, transport


@pytest.mark.parametrize("name", ["httpx", "aiohttp"])
def test_a_client_used_from_a_second_asyncio_loop_is_a_configuration_error(name: str) -> None:
    """Its pooled connections (and the token manager's waiters) belong to the first loop:
    another loop's call waited for ever (httpx) or raised a bare RuntimeError (aiohttp)."""
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    with KeepAlivePeer() as peer:
        client = WeChatClient(
            APPID,
            token_provider=_static_token,
            base_url=peer.base_url,
            transport=name,  # type: ignore[arg-type]
            retry=fast_retry(deadline=5),
        )
        try:
            first.run_until_complete(ProbeNamespace(client).safe())
            with pytest.raises(ConfigurationError, match="another event loop") as info:
                second.run_until_complete(ProbeNamespace(client).safe())
            assert not isinstance(info.value, ClientClosedError)
            with pytest.raises(ConfigurationError, match="closed in the event loop that used it"):
                second.run_until_complete(client.aclose())
            first.run_until_complete(client.aclose())  # where it belongs: closes the pool
            with pytest.raises(ClientClosedError):
                first.run_until_complete(ProbeNamespace(client).safe())
        finally:
            first.close()
            second.close()
    assert len(peer.received) == 1


@pytest.mark.parametrize("first", ["trio", "asyncio"])
def test_an_httpx_client_used_from_a_second_run_on_trio_is_a_configuration_error(
    first: str,
) -> None:
    """The same guard under trio, whose run has no loop object: its token stands for it."""

    def in_another_trio_run(call: Callable[[], Awaitable[object]]) -> BaseException | None:
        try:
            anyio.run(call, backend="trio")
        except BaseException as exc:  # handed to the test to assert on
            return exc
        return None

    async def scenario(client: WeChatClient) -> None:
        await ProbeNamespace(client).safe()
        refused = await anyio.to_thread.run_sync(in_another_trio_run, ProbeNamespace(client).safe)
        assert isinstance(refused, ConfigurationError), refused
        assert "another event loop" in str(refused)
        assert not isinstance(refused, ClientClosedError)
        refused = await anyio.to_thread.run_sync(in_another_trio_run, client.aclose)
        assert isinstance(refused, ConfigurationError), refused
        await client.aclose()  # where it belongs: closes the pool

    with KeepAlivePeer() as peer:
        client = WeChatClient(
            APPID,
            token_provider=_static_token,
            base_url=peer.base_url,
            transport="httpx",
            retry=fast_retry(deadline=5),
        )
        anyio.run(scenario, client, backend=first)
    assert len(peer.received) == 1


# -- stale keep-alive connections ------------------------------------------------------------
# A server closes an idle connection while the client's event loop is busy elsewhere: its FIN
# (or reset) waits unread, and the pool does not know. A request written on that connection
# never reached the server, yet failed as if it might have been applied.


def _close_idle_connections(peer: KeepAlivePeer) -> None:
    """Have the server close its idle connections, blocking this event loop until it has:
    the loop cannot see the FIN before the next call takes the connection."""
    peer.wait_idle_closes(peer.close_idle())


def _unsafe_calls(peer: KeepAlivePeer) -> int:
    return sum(" /t/unsafe" in line for line in peer.received)


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "reset"])
async def test_a_pooled_connection_closed_by_the_server_is_not_used(
    anyio_backend: str, reset: bool
) -> None:
    """The server's keep-alive (0.1 s) runs out while the client's loop is busy: the next
    call takes that connection from the pool before the loop has read the FIN or reset."""
    with KeepAlivePeer(keepalive=0.1, reset=reset) as peer:
        for name in _transports(anyio_backend):
            async with _client(peer.base_url, name, token_provider=_static_token) as client:
                probe = ProbeNamespace(client)
                for n in range(10):
                    await probe.unsafe(n=n)  # its connection goes back to the pool
                    peer.wait_idle_closes(peer.idle_closes + 1)  # blocks the loop, on purpose
                    await probe.unsafe(n=n)  # fails if written on the closed connection
            assert _unsafe_calls(peer) == 20, name  # each once: nothing lost, nothing twice
            peer.received.clear()


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "reset"])
async def test_httpx_replaces_a_connection_closed_between_its_pick_and_the_write(
    anyio_backend: str, reset: bool
) -> None:
    """httpx checks an idle connection when its pool assigns it, and writes a few event-loop
    turns later; the server's close lands in between here (a task that blocks the loop runs
    at the call's first pause)."""
    with KeepAlivePeer(reset=reset) as peer:
        async with _client(peer.base_url, "httpx", token_provider=_static_token) as client:
            probe = ProbeNamespace(client)
            for n in range(10):
                await probe.unsafe(n=n)
                async with anyio.create_task_group() as tg:
                    tg.start_soon(_close_idle_connections_async, peer)
                    await probe.unsafe(n=n)
        assert _unsafe_calls(peer) == 20


async def _close_idle_connections_async(peer: KeepAlivePeer) -> None:
    _close_idle_connections(peer)


async def test_idle_connections_are_not_reused_past_their_keepalive_expiry(
    anyio_backend: str,
) -> None:
    """Shorter than the server keeps them, so a request rarely meets one being closed."""
    from wechat_async.transports import HttpxTransport
    from wechat_async.transports.aiohttp import AiohttpTransport

    with KeepAlivePeer() as peer:
        for name in _transports(anyio_backend):
            transport: Transport = (
                HttpxTransport(keepalive_expiry=0.2)
                if name == "httpx"
                else AiohttpTransport(keepalive_expiry=0.2)
            )
            async with WeChatClient(
                APPID, token_provider=_static_token, base_url=peer.base_url, transport=transport
            ) as client:
                await ProbeNamespace(client).safe()
                await anyio.sleep(0.6)
                await ProbeNamespace(client).safe()
            await transport.aclose()
            assert peer.connections == 2, name
            peer.connections = 0


def test_closed_by_peer_sees_a_fin_or_reset_waiting_unread() -> None:
    from wechat_async.transports._base import closed_by_peer

    for reset in (False, True):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            ours = socket.create_connection(listener.getsockname())
            theirs, _ = listener.accept()
        with ours:
            assert not closed_by_peer(ours)  # idle, open: nothing to read
            if reset:  # linger 0: the close sends a reset
                theirs.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            theirs.close()
            time.sleep(0.05)  # loopback delivers at once; a margin for a loaded machine
            assert closed_by_peer(ours), reset
    closed = socket.socket()
    closed.close()
    assert closed_by_peer(closed)  # fileno -1
    assert not closed_by_peer(None)  # a stream that exposes no socket: nothing to tell
