"""``wechat-async emulator push KIND --to URL``: one signed push to your running app, and
WeChat's view of the answer."""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
import click

from ._main import notice, output_options, refuse_unused
from ._serve import emulator


def _kinds_help() -> str:
    from ..testing import PUSH_KINDS

    return ", ".join(sorted(PUSH_KINDS))


@emulator.command("push", epilog=f"Kinds with example fields: {_kinds_help()}.")
@click.argument("kind")
@click.option("--to", "url", required=True, help="your app's message URL")
@click.option(
    "--token", envvar="WECHAT_PUSH_TOKEN", required=True, help="push token [env WECHAT_PUSH_TOKEN]"
)
@click.option(
    "--aes-key",
    envvar="WECHAT_PUSH_AES_KEY",
    default=None,
    help="EncodingAESKey: send it encrypted (safe mode) [env WECHAT_PUSH_AES_KEY]",
)
@click.option("--appid", envvar="WECHAT_APPID", default=None, help="[env WECHAT_APPID]")
@click.option(
    "--format",
    "data_format",
    type=click.Choice(["XML", "JSON"], case_sensitive=False),
    default=None,
    help="the data format (default: the kind's usual one, JSON for update_waybill_status)",
)
@click.option(
    "--field",
    "-f",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="set a field of the push (repeatable); numbers and objects where the example has them",
)
@click.option("--without", multiple=True, metavar="NAME", help="leave a field out (repeatable)")
@output_options
@click.pass_context
def push(
    ctx: click.Context,
    kind: str,
    url: str,
    token: str,
    aes_key: str | None,
    appid: str | None,
    data_format: str | None,
    fields: tuple[str, ...],
    without: tuple[str, ...],
) -> None:
    """Send one signed push of KIND (its Event, e.g. giftcard_pay_done) to your app, as WeChat
    would, and print what WeChat makes of the answer: status, body, and whether it counts as
    acknowledged (else WeChat retries). Exit code 0 when acknowledged, 1 when not."""
    from .._errors import ConfigurationError
    from ..callbacks import MessageCrypto
    from ..testing import push_fields
    from ..testing._pushes import PUSH_KINDS, DataFormat, Pusher, PushTarget

    if not kind.strip():
        raise click.BadParameter("name the event, e.g. giftcard_pay_done", param_hint="KIND")
    if not aes_key:
        refuse_unused(ctx, {"appid": "names the app in encrypted pushes: add '--aes-key'"})
    if aes_key and not appid:
        raise click.UsageError("--aes-key needs --appid (or WECHAT_APPID)")
    if aes_key:
        try:
            MessageCrypto(token, aes_key, appid or "")
        except ConfigurationError as exc:  # says what is wrong, never the key itself
            raise click.BadParameter(str(exc), param_hint="'--aes-key'") from None
    if kind not in PUSH_KINDS:
        notice(f"{kind}: no example fields; sending those every push carries")
    sample = push_fields(kind)
    overrides = {name: _value(sample.get(name), text) for name, text in map(_pair, fields)}
    body = push_fields(kind, **{**overrides, **dict.fromkeys(without)})
    # click hands back the choice as listed ("JSON"), whatever case was typed
    chosen: DataFormat | None = (
        None if data_format is None else "JSON" if data_format == "JSON" else "XML"
    )
    pusher = Pusher(schedule=())
    pusher.target = PushTarget(url, token, aes_key, appid or "", data_format=chosen)
    attempt = anyio.run(pusher.attempt, body, 0)
    reply = attempt.reply.decode("utf-8", "replace")
    click.echo(
        json.dumps(
            {
                "event": kind,
                "url": url,
                "status": attempt.status,
                "reply": reply[:2000],
                "accepted": attempt.accepted,
                "verdict": attempt.verdict,
                "seconds": round(attempt.seconds, 4),
                "fields": body,
            },
            ensure_ascii=False,
        )
    )
    notice(f"{kind} -> {url}: {attempt.verdict}")
    sys.exit(0 if attempt.accepted else 1)


def _pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise click.BadParameter(f"{text!r}: use NAME=VALUE", param_hint="'--field'")
    return name, value


def _value(example: Any, text: str) -> Any:
    """``text`` as the type the example has there (numbers and objects), else as text."""
    if isinstance(example, int) and not isinstance(example, bool):
        try:
            return int(text)
        except ValueError:
            raise click.BadParameter(
                f"{text!r} is not a whole number", param_hint="'--field'"
            ) from None
    if isinstance(example, dict) or (example is None and text.startswith("{")):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise click.BadParameter(f"{text!r} is not a JSON object", param_hint="'--field'")
        return value
    return text
