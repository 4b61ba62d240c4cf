"""One push receiver for ``bench_pushes``, served by uvicorn in its own process.

    python -m benchmarks._push_server {sdk,wechatpy,bare} {plain,encrypted} [--redis URL]

* ``sdk``: ``CallbackApp(CallbackRouter(...))`` with one ``GiftCardPayDone`` handler, its
  dedupe store in memory or, with ``--redis``, a ``RedisDedupeStore``;
* ``wechatpy``: the same work by hand with wechatpy 1.8.18 in a bare ASGI handler:
  ``check_signature``, ``WeChatCrypto.decrypt_message`` (encrypted), ``parse_message``, a set
  of the pushes already handled (wechatpy keeps none), and the reply ``<xml>ok</xml>``, plain
  or through ``WeChatCrypto.encrypt_message``;
* ``bare``: the floor: an ASGI handler that reads the body and answers a reply written once
  (encrypted once, when encrypted), with no signature, parsing or dedupe. No receiver here
  can do a push's work for less server CPU than this.

uvicorn runs on uvloop with httptools where they are installed (``nox -s bench``). The process
prints ``listening <port>``, serves until SIGTERM, then prints ``handled <n>``: how many
handler runs it made, one per distinct push.
"""

from __future__ import annotations

import argparse
import signal
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx0123456789abcdef"
OK = "<xml>ok</xml>"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Counter:
    handled = 0


def sdk_app(encrypted: bool, redis_url: str | None, counter: Counter) -> App:
    from wechat_async.callbacks import CallbackApp, CallbackRouter, GiftCardPayDone
    from wechat_async.stores.dedupe import DedupeStore

    dedupe: DedupeStore | None = None  # the router's own memory stores
    if redis_url:
        from wechat_async.stores.redis import RedisDedupeStore

        dedupe = RedisDedupeStore(redis_url)
    router = CallbackRouter(
        TOKEN,
        encoding_aes_key=AES_KEY if encrypted else None,
        app_id=APP_ID,
        dedupe=dedupe,
    )

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        counter.handled += 1

    return CallbackApp(router)


def wechatpy_app(encrypted: bool, counter: Counter) -> App:
    from wechatpy import parse_message
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.exceptions import InvalidSignatureException
    from wechatpy.utils import check_signature

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID) if encrypted else None
    handled: set[tuple[str, int, str]] = set()
    xml = [(b"content-type", b"application/xml; charset=utf-8")]

    async def respond(send: Send, status: int, body: bytes) -> None:
        headers = [*xml, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        try:
            check_signature(TOKEN, query.get("signature", ""), timestamp, nonce)
            if crypto is not None:
                body = crypto.decrypt_message(body, query["msg_signature"], timestamp, nonce)
        except (InvalidSignatureException, KeyError):
            await respond(send, 403, b"forbidden")
            return
        push = parse_message(body)
        key = (push.source, push.time, push._data.get("OrderId", ""))
        if key not in handled:
            handled.add(key)
            counter.handled += 1
        if crypto is None:
            await respond(send, 200, OK.encode())
        else:
            await respond(send, 200, crypto.encrypt_message(OK, nonce, timestamp).encode())

    return app


def bare_app(encrypted: bool, counter: Counter) -> App:
    from wechat_async.callbacks import MessageCrypto

    reply = OK
    if encrypted:
        encrypt, signature, timestamp, nonce = MessageCrypto(TOKEN, AES_KEY, APP_ID).encrypt(OK)
        reply = (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{signature}]]>"
            f"</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce>"
            "</xml>"
        )
    body = reply.encode()
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/xml; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ],
    }

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body", False):
            pass
        counter.handled += 1  # one "run" a request: the bench checks runs against pushes
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", choices=["sdk", "wechatpy", "bare"])
    parser.add_argument("mode", choices=["plain", "encrypted"])
    parser.add_argument("--redis", help="redis:// URL of the SDK's dedupe store")
    args = parser.parse_args()
    import importlib.util

    import uvicorn

    counter = Counter()
    encrypted = args.mode == "encrypted"
    if args.app == "sdk":
        app = sdk_app(encrypted, args.redis, counter)
    elif args.app == "wechatpy":
        app = wechatpy_app(encrypted, counter)
    else:
        app = bare_app(encrypted, counter)
    fast = importlib.util.find_spec("uvloop") and importlib.util.find_spec("httptools")
    config = uvicorn.Config(
        app,
        loop="uvloop" if fast else "asyncio",
        http="httptools" if fast else "h11",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"listening {sock.getsockname()[1]}", flush=True)
    # uvicorn re-raises the SIGTERM it shut down on once it is done; let it pass, then report.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.Server(config).run(sockets=[sock])
    print(f"handled {counter.handled}", flush=True)


if __name__ == "__main__":
    main()
