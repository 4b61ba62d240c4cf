"""The CLI against an emulator served by a thread (the CLI runs its own event loop)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from anyio.from_thread import start_blocking_portal
from click.testing import CliRunner

from wechat_async.cli import main
from wechat_async.testing import Emulator


def sync_command(*args: str) -> tuple[int, str]:
    """``wechat-async orders sync ARGS``: exit code and output (stdout and stderr)."""
    result = CliRunner().invoke(main, ["orders", "sync", *args], catch_exceptions=False)
    return result.exit_code, result.output


@contextmanager
def served(**options: Any) -> Iterator[Emulator]:
    """An emulator on a loopback port, run by a thread."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Emulator(**options)) as wx,
    ):
        yield wx


def sync_from(wx: Emulator, out: Path, *extra: str) -> tuple[int, str]:
    """``orders sync`` of the emulator's whole range into OUT."""
    return sync_command(
        *("--appid", wx.appid, "--secret", wx.secret, "--base-url", wx.base_url),
        *("--begin", str(wx.start_time), "--end", str(wx.end_time)),
        *("--out", str(out), *extra),
    )
