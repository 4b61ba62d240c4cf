"""The command group and the options every command shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

try:
    import click
except ImportError as exc:  # pragma: no cover - depends on the install
    raise SystemExit("wechat-async needs the cli extra: pip install 'wechat-async[cli]'") from exc

F = TypeVar("F", bound=Callable[..., Any])

#: WeChat's documents give times in China Standard Time.
CHINA = dt.timezone(dt.timedelta(hours=8))


@click.group()
@click.version_option(package_name="wechat-async")
def main() -> None:
    """wechat_async command line: sync orders, make one-off calls, serve the emulator or a
    push receiver."""


def credentials(command: F) -> F:
    """--appid/--secret (or WECHAT_APPID/WECHAT_SECRET) and --base-url."""
    command = click.option("--base-url", default=None, help="another server (proxy, emulator)")(
        command
    )
    command = click.option(
        "--secret", envvar="WECHAT_SECRET", help="app secret [env WECHAT_SECRET]"
    )(command)
    command = click.option(
        "--appid", envvar="WECHAT_APPID", help="Official Account appid [env WECHAT_APPID]"
    )(command)
    return command


def parse_time(value: str, *, end_of_day: bool = False) -> int:
    """Unix seconds, or an ISO date/time in China time. A date alone is its first second,
    or with ``end_of_day`` its last (``--end 2026-04-30`` includes that whole day)."""
    if value.isdigit():
        return int(value)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use YYYY-MM-DD[THH:MM] or Unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    if end_of_day and len(value) == 10:  # YYYY-MM-DD
        moment += dt.timedelta(days=1, seconds=-1)
    return int(moment.timestamp())
