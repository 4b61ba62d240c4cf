"""``wechat-async emulator serve`` and ``wechat-async callbacks serve``."""

from __future__ import annotations

import errno
import json
import socket
import sys
from collections.abc import Callable
from typing import Any

import anyio
import click

from ._main import main, notice, output_options, plural, refuse_unused

#: where a server listens: loopback unless told (the emulator and the receiver have no
#: authentication of their own)
_host_option = click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="address to listen on (0.0.0.0: every interface)",
)


@main.group()
def emulator() -> None:
    """The built-in local WeChat."""


@emulator.command("serve")
@_host_option
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--orders", type=click.IntRange(0), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--latency", type=click.FloatRange(0), default=0.0, help="seconds added to every request"
)
@click.option(
    "--orders-per-second",
    type=click.FloatRange(0),
    default=0.0,
    help="a live stream of new orders",
)
@click.option("--token-ttl", type=click.IntRange(1), default=7200, show_default=True)
@click.option("--push-to", default=None, metavar="URL", help="push to your app's message URL")
@click.option(
    "--push-token",
    envvar="WECHAT_PUSH_TOKEN",
    default=None,
    help="the push token your app checks [env WECHAT_PUSH_TOKEN]",
)
@click.option(
    "--push-aes-key",
    envvar="WECHAT_PUSH_AES_KEY",
    default=None,
    help="EncodingAESKey: push encrypted (safe mode) [env WECHAT_PUSH_AES_KEY]",
)
@click.option("--appid", default=None, help="the emulated app's appid (encrypted pushes name it)")
@click.option(
    "--platform-push-to",
    default=None,
    metavar="URL",
    help="a third-party platform's authorisation event URL: verify tickets and "
    "authorisation events go there, encrypted",
)
@click.option(
    "--platform-push-token",
    envvar="WECHAT_PLATFORM_PUSH_TOKEN",
    default=None,
    help="the platform's push token [env WECHAT_PLATFORM_PUSH_TOKEN]",
)
@click.option(
    "--platform-aes-key",
    envvar="WECHAT_PLATFORM_AES_KEY",
    default=None,
    help="the platform's EncodingAESKey [env WECHAT_PLATFORM_AES_KEY]",
)
@click.option(
    "--ticket-interval",
    type=click.FloatRange(min=0.01),
    default=600.0,
    show_default=True,
    help="seconds between verify ticket pushes",
)
@click.option(
    "--authorize",
    "grants",
    multiple=True,
    metavar="APPID=SETS",
    help="a merchant authorises the platform with permission sets, e.g. wxmerchant0001=51,8 "
    "(repeatable; the authorization codes are printed)",
)
@output_options
@click.pass_context
def serve_emulator(
    ctx: click.Context,
    host: str,
    port: int,
    orders: int,
    seed: int,
    latency: float,
    orders_per_second: float,
    token_ttl: int,
    push_to: str | None,
    push_token: str | None,
    push_aes_key: str | None,
    appid: str | None,
    platform_push_to: str | None,
    platform_push_token: str | None,
    platform_aes_key: str | None,
    ticket_interval: float,
    grants: tuple[str, ...],
) -> None:
    """Serve the emulator on --host (127.0.0.1) until interrupted; prints its base URL, appid and
    secret (point WeChatClient(base_url=...) at it). With --push-to, the pushes that API calls
    cause (test_update_order, order/cancel...) go to your app, each attempt and WeChat's
    verdict printed on stderr. Ctrl-C stops it (exit 0)."""
    from .._errors import ConfigurationError
    from ..callbacks import MessageCrypto
    from ..testing import Emulator, PushAttempt
    from ..testing._emulator import DEFAULT_APPID

    if not push_to:
        refuse_unused(
            ctx, dict.fromkeys(["push_token", "push_aes_key"], "is for pushes: add '--push-to'")
        )
    if push_to and not push_token:
        raise click.UsageError("--push-to needs --push-token (or WECHAT_PUSH_TOKEN)")
    if platform_push_to and not (platform_push_token and platform_aes_key):
        raise click.UsageError(
            "--platform-push-to needs --platform-push-token and --platform-aes-key "
            "(WeChat pushes platforms nothing in plain text)"
        )
    authorizations = [_grant(text) for text in grants]
    if push_aes_key:
        try:
            MessageCrypto(push_token or "-", push_aes_key, appid or "")
        except ConfigurationError as exc:  # says what is wrong, never the key itself
            raise click.BadParameter(str(exc), param_hint="'--push-aes-key'") from None

    def shown(url: str | None) -> Callable[[PushAttempt], None]:
        def show(attempt: PushAttempt) -> None:
            notice(
                f"push {attempt.event} attempt {attempt.attempt} -> {url}: "
                f"HTTP {attempt.status}, {attempt.verdict}"
            )

        return show

    async def run() -> None:
        wx = Emulator(
            orders=orders,
            seed=seed,
            latency=latency,
            orders_per_second=orders_per_second,
            token_ttl=token_ttl,
            host=host,
            port=port,
            appid=appid or DEFAULT_APPID,
            ticket_interval=ticket_interval,
        )
        if push_to:
            wx.push_to(push_to, push_token, encoding_aes_key=push_aes_key)
            wx.pusher.on_attempt = shown(push_to)
        if platform_push_to:
            assert platform_aes_key is not None
            wx.platform.push_to(
                platform_push_to, platform_push_token, encoding_aes_key=platform_aes_key
            )
            wx.platform.pusher.on_attempt = shown(platform_push_to)
        async with wx:
            codes = {
                grant: await wx.platform.authorize(grant, permission_sets=sets)
                for grant, sets in authorizations
            }
            click.echo(
                json.dumps(
                    {
                        "base_url": wx.base_url,
                        "appid": wx.appid,
                        "secret": wx.secret,
                        "component_appid": wx.platform.component_appid,
                        "component_secret": wx.platform.component_secret,
                        "authorization_codes": codes,
                    }
                )
            )
            notice(
                f"emulator with {plural(orders, 'order')} ({wx.start_time}..{wx.end_time}) "
                f"at {wx.base_url}; Ctrl-C stops it"
            )
            await anyio.sleep_forever()

    _until_interrupted(run, host, port)


@main.group()
def callbacks() -> None:
    """Receiving WeChat's pushes."""


@callbacks.command("serve")
@_host_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--token", envvar="WECHAT_PUSH_TOKEN", default=None, help="push token [env WECHAT_PUSH_TOKEN]"
)
@click.option(
    "--aes-key",
    envvar="WECHAT_PUSH_AES_KEY",
    default=None,
    help="EncodingAESKey for safe mode [env WECHAT_PUSH_AES_KEY]",
)
@click.option("--appid", envvar="WECHAT_APPID", default=None, help="[env WECHAT_APPID]")
@click.option(
    "--emulator",
    "with_emulator",
    is_flag=True,
    help="also serve the emulator, pushing a gift-card purchase, its acceptance, an invoice "
    "authorization and a delivery update to this receiver",
)
@output_options
@click.pass_context
def serve_callbacks(
    ctx: click.Context,
    host: str,
    port: int,
    token: str | None,
    aes_key: str | None,
    appid: str | None,
    with_emulator: bool,
) -> None:
    """Serve the push receiver (CallbackApp), printing each event as a JSON line. Ctrl-C
    stops it (exit 0)."""
    from .._convert import converter
    from .._errors import ConfigurationError
    from ..callbacks import CallbackApp, CallbackRouter, Event, UnknownEvent
    from ..testing._serve import AsgiServer

    if with_emulator:
        refuse_unused(ctx, {"appid": "has no use with '--emulator', whose app has its own"})
    elif not aes_key:
        refuse_unused(ctx, {"appid": "names the app in encrypted pushes: add '--aes-key'"})
    if with_emulator:
        token = token or "emulator-push-token"
    if not token:
        raise click.UsageError("pass --token (or WECHAT_PUSH_TOKEN)")
    if aes_key and not appid and not with_emulator:
        raise click.UsageError("--aes-key needs --appid (or WECHAT_APPID)")

    async def run() -> None:
        from ..testing import Emulator

        wx = Emulator(orders=0) if with_emulator else None
        try:
            router = CallbackRouter(
                token,
                encoding_aes_key=aes_key,
                app_id=(wx.appid if wx else appid) if aes_key else None,
            )
        except ConfigurationError as exc:  # says what is wrong, never the key itself
            raise click.BadParameter(str(exc), param_hint="'--aes-key'") from None

        reader_gone = anyio.Event()

        async def show(event: Any) -> None:
            data = converter.unstructure(event)
            try:
                click.echo(json.dumps({"event": type(event).__name__, **data}, ensure_ascii=False))
            except BrokenPipeError:  # `| head` has what it wanted: stop serving
                reader_gone.set()

        router.on(Event)(show)
        router.on(UnknownEvent)(show)
        async with AsgiServer(CallbackApp(router), host=host, port=port) as server:
            notice(f"push receiver at {server.base_url}; Ctrl-C stops it")
            if wx is None:
                await reader_gone.wait()
            else:
                async with wx:
                    # python -m wechat_async.testing's line: a script finds the emulator the
                    # same way; stdout stays one JSON event a line
                    click.echo(f"emulator listening {wx.base_url} {wx.appid} {wx.secret}", err=True)
                    wx.push_to(server.base_url, token, encoding_aes_key=aes_key)
                    await _demo(wx)
                    # served until interrupted: its delivery API (mock_update_order) keeps
                    # pushing waybill updates to the receiver after the demo
                    await reader_gone.wait()
        raise BrokenPipeError  # the command ends as a closed pipe does (141)

    _until_interrupted(run, host, port)


async def _demo(wx: Any) -> None:
    order = await wx.pay_gift_card(card_id="pDEMOCARD", price=10000, openid="oDEMObuyer")
    await wx.accept_gift(order["order_id"])
    await wx.authorize_invoice(order["order_id"], s_pappid="wxdemo", title="个人")
    async with wx.client() as client:
        client.delivery.add_account(
            shopid="test_shop_id", app_secret="test_app_secrect", delivery_id="TEST"
        )
        address = {
            "name": "收件人",
            "city": "北京市",
            "address": "海淀区中关村大街",
            "address_detail": "1号楼",
            "phone": "13812345678",
            "lng": 116.316102,
            "lat": 39.983211,
        }
        from decimal import Decimal

        await client.delivery.add_order(
            shopid="test_shop_id",
            shop_order_id="DEMO1",
            delivery_id="TEST",
            openid="oDEMObuyer",
            receiver=address,
            cargo={
                "goods_value": Decimal("12.30"),
                "goods_weight": 1.5,
                "cargo_first_class": "果蔬生鲜",
                "cargo_second_class": "果蔬",
            },
            order_info={"order_type": 0},
            shop={
                "wxa_path": "/p",
                "img_url": "https://x/y.jpg",
                "goods_name": "宝贝",
                "goods_count": 1,
            },
        )
    await wx.advance_delivery("test_shop_id", "DEMO1", 102)
    await wx.settle()


#: why a server cannot listen where it was told: in one line, no traceback
_CANNOT_LISTEN = {
    errno.EADDRINUSE: "pass another --port (0 picks a free one)",
    errno.EADDRNOTAVAIL: "pass an address of this machine as --host",
    errno.EACCES: "ports below 1024 need privileges: pass another --port",
}


def _grant(text: str) -> tuple[str, tuple[int, ...]]:
    appid, sep, sets = text.partition("=")
    try:
        parsed = tuple(int(s) for s in sets.split(",") if s)
    except ValueError:
        parsed = ()
    if not appid or not sep or not parsed:
        raise click.BadParameter(
            f"{text!r}: expected APPID=SETS, e.g. wxmerchant0001=51,8", param_hint="'--authorize'"
        )
    return appid, parsed


def _until_interrupted(run: Any, host: str, port: int) -> None:
    """Serve until Ctrl-C, the way a server is stopped (exit 0)."""
    try:
        anyio.run(run)
    except KeyboardInterrupt:
        sys.exit(0)
    except OSError as exc:
        if isinstance(exc, socket.gaierror):
            advice = "pass a name or address as --host"
        elif exc.errno in _CANNOT_LISTEN:
            advice = _CANNOT_LISTEN[exc.errno]
        else:
            raise
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; {advice}"
        ) from None
