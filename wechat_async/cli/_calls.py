"""One-off calls with JSON out (pipe to jq): ``orders get``, ``code get``,
``delivery order get``. API errors exit 1 with a message naming errcode and rid; bad input
found before sending exits 2 naming the option."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import click

from .._client import WeChatClient
from .._convert import converter
from .._errors import WeChatError
from ._main import api_error, credentials, main, output_options


def client_options(appid: str, secret: str, base_url: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"appid": appid, "secret": secret}
    if base_url:
        options["base_url"] = base_url
    return options


def call_json(
    options: dict[str, Any],
    call: Callable[[WeChatClient], Awaitable[Any]],
    setup: Callable[[WeChatClient], None] | None = None,
) -> None:
    """Run one call and print its result as JSON on stdout."""

    async def run() -> Any:
        async with WeChatClient(**options) as client:
            if setup is not None:
                setup(client)
            return await call(client)

    try:
        result = anyio.run(run)
    except WeChatError as exc:
        api_error(exc)
    click.echo(json.dumps(converter.unstructure(result), ensure_ascii=False, default=str))


@main.group()
def code() -> None:
    """Gift-card codes."""


@code.command("get")
@credentials(required=True)
@output_options
@click.argument("code_value", metavar="CODE")
@click.option("--card-id", default=None)
@click.option(
    "--check-consume/--no-check-consume",
    default=None,
    help="WeChat's default checks: a code that cannot be consumed is an error (40099)",
)
def get_code(
    appid: str,
    secret: str,
    base_url: str | None,
    code_value: str,
    card_id: str | None,
    check_consume: bool | None,
) -> None:
    """Print a code's card, balance and status as JSON."""

    async def call(client: WeChatClient) -> Any:
        return await client.giftcard.get_code(
            code=code_value, card_id=card_id, check_consume=check_consume
        )

    call_json(client_options(appid, secret, base_url), call)


@main.group()
def delivery() -> None:
    """Instant delivery."""


@delivery.group("order")
def delivery_order() -> None:
    """Delivery orders."""


@delivery_order.command("get")
@credentials(required=True)
@output_options
@click.option("--shopid", required=True, help="the carrier's appkey")
@click.option(
    "--carrier-secret",
    envvar="WECHAT_CARRIER_SECRET",
    show_envvar=True,
    required=True,
    help="the carrier account's secret, for delivery_sign",
)
@click.option("--shop-order-id", required=True)
@click.option("--shop-no", default=None)
def get_delivery_order(
    appid: str,
    secret: str,
    base_url: str | None,
    shopid: str,
    carrier_secret: str,
    shop_order_id: str,
    shop_no: str | None,
) -> None:
    """Print a delivery order's status as JSON."""

    async def call(client: WeChatClient) -> Any:
        return await client.delivery.get_order(
            shopid=shopid, shop_order_id=shop_order_id, shop_no=shop_no
        )

    def setup(client: WeChatClient) -> None:
        client.delivery.add_account(shopid=shopid, app_secret=carrier_secret)

    call_json(client_options(appid, secret, base_url), call, setup)
