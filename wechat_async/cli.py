"""The ``wechat-async`` command. Main job: sync gift-card orders to JSON lines.

    wechat-async orders sync --fake 20000 --out orders.jsonl
    WECHAT_APPID=wx... WECHAT_SECRET=... wechat-async orders sync \\
        --begin 2026-01-01 --end 2026-04-10 --out orders.jsonl --checkpoint sync.json

Needs the ``cli`` extra (click, rich).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

try:
    import click
except ImportError as exc:  # pragma: no cover - depends on the install
    raise SystemExit("wechat-async needs the cli extra: pip install 'wechat-async[cli]'") from exc

import anyio

from ._client import WeChatClient
from ._convert import converter, dumps
from ._errors import WeChatError
from .giftcard import SyncCheckpoint, SyncProgress

#: WeChat's documents give times in China Standard Time.
CHINA = dt.timezone(dt.timedelta(hours=8))
_CHECKPOINT_EVERY = 1000


def _parse_time(value: str) -> int:
    if value.isdigit():
        return int(value)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use YYYY-MM-DD[THH:MM] or Unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return int(moment.timestamp())


@click.group()
@click.version_option(package_name="wechat-async")
def main() -> None:
    """wechat_async command line."""


@main.group()
def orders() -> None:
    """Gift-card orders."""


@orders.command("sync")
@click.option("--appid", envvar="WECHAT_APPID", help="Official Account appid [env WECHAT_APPID]")
@click.option(
    "--secret", envvar="WECHAT_SECRET", help="app secret [env WECHAT_SECRET]", show_default=False
)
@click.option("--base-url", default=None, help="another server (proxy, emulator)")
@click.option("--begin", "begin", default=None, help="YYYY-MM-DD (China time) or Unix seconds")
@click.option("--end", "end", default=None, help="YYYY-MM-DD (China time) or Unix seconds")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="resume file: read if present, updated as orders are written",
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--sort", type=click.Choice(["ASC", "DESC"]), default="ASC", show_default=True)
@click.option(
    "--fake",
    type=click.IntRange(0),
    default=None,
    help="serve N generated orders from a local fake WeChat and sync those (no account needed)",
)
@click.option("--latency", type=float, default=0.0, help="with --fake: seconds per request")
def sync_orders(
    appid: str | None,
    secret: str | None,
    base_url: str | None,
    begin: str | None,
    end: str | None,
    out: Path,
    checkpoint: Path | None,
    concurrency: int,
    sort: str,
    fake: int | None,
    latency: float,
) -> None:
    """Write every gift-card order between BEGIN and END to OUT, one JSON object a line."""
    job = _SyncJob(out=out, checkpoint_path=checkpoint, concurrency=concurrency, sort=sort)
    try:
        if fake is not None:
            anyio.run(job.run_fake, fake, latency, begin, end)
        elif not appid or not secret:
            raise click.UsageError("pass --appid and --secret (or WECHAT_APPID/WECHAT_SECRET)")
        elif begin is None or end is None:
            raise click.UsageError("pass --begin and --end")
        else:
            anyio.run(job.run, appid, secret, base_url, _parse_time(begin), _parse_time(end))
    except WeChatError as exc:
        raise click.ClickException(str(exc)) from None


class _SyncJob:
    def __init__(self, *, out: Path, checkpoint_path: Path | None, concurrency: int, sort: str):
        self.out = out
        self.checkpoint_path = checkpoint_path
        self.concurrency = concurrency
        self.sort = sort

    async def run_fake(
        self, orders: int, latency: float, begin: str | None, end: str | None
    ) -> None:
        from .testing import FakeWeChat

        async with FakeWeChat(orders=orders, latency=latency) as wx:
            click.echo(f"fake WeChat with {orders} orders at {wx.base_url}", err=True)
            await self.run(
                wx.appid,
                wx.secret,
                wx.base_url,
                _parse_time(begin) if begin else wx.start_time,
                _parse_time(end) if end else wx.end_time,
            )

    def _load_checkpoint(self) -> tuple[SyncCheckpoint, int] | None:
        """The saved position and how many bytes of OUT it covers."""
        if self.checkpoint_path is None or not self.checkpoint_path.exists():
            return None
        try:
            saved = json.loads(self.checkpoint_path.read_text())
            return SyncCheckpoint.from_dict(saved["sync"]), int(saved["out_bytes"])
        except (ValueError, KeyError, TypeError) as exc:
            raise click.ClickException(
                f"{self.checkpoint_path} is not a checkpoint of this command ({exc!r})"
            ) from None

    def _save_checkpoint(self, checkpoint: SyncCheckpoint, sink: BinaryIO) -> None:
        if self.checkpoint_path is None:
            return
        # Orders first, then the checkpoint, atomically: a crash never skips an order. The
        # size of OUT goes with it: orders written after it are cut off on resume, not
        # written twice.
        sink.flush()
        os.fsync(sink.fileno())
        state = {"sync": checkpoint.to_dict(), "out_bytes": sink.tell()}
        tmp = self.checkpoint_path.with_suffix(self.checkpoint_path.suffix + ".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.checkpoint_path)

    def _open_out(self, out_bytes: int | None) -> BinaryIO:
        if out_bytes is None:
            return self.out.open("wb")
        try:
            sink = self.out.open("r+b")
        except FileNotFoundError:
            raise click.ClickException(f"{self.out} is missing: cannot resume into it") from None
        sink.truncate(out_bytes)
        sink.seek(out_bytes)
        return sink

    async def run(
        self, appid: str, secret: str, base_url: str | None, begin: int, end: int
    ) -> None:
        options: dict[str, Any] = {"base_url": base_url} if base_url else {}
        resume = self._load_checkpoint()
        started = time.perf_counter()
        written = 0
        reporter = _Reporter()
        async with WeChatClient(appid, secret, **options) as client:
            sync = client.giftcard.iter_orders(
                begin,
                end,
                sort_type=self.sort,
                concurrency=self.concurrency,
                checkpoint=resume[0] if resume else None,
                progress=reporter.update,
            )
            with self._open_out(resume[1] if resume else None) as sink:
                try:
                    # inside async with: pages are prefetched while orders are written
                    async with sync:
                        async for order in sync:
                            sink.write(dumps(converter.unstructure(order)) + b"\n")
                            written += 1
                            if written % _CHECKPOINT_EVERY == 0:
                                self._save_checkpoint(sync.checkpoint, sink)
                finally:
                    self._save_checkpoint(sync.checkpoint, sink)
                    reporter.close()
        elapsed = time.perf_counter() - started
        rate = written / elapsed if elapsed else 0.0
        click.echo(
            f"synced {written} orders to {self.out} in {elapsed:.2f}s ({rate:,.0f} orders/s)",
            err=True,
        )


class _Reporter:
    """A rich progress bar on a terminal; otherwise one plain line per window done."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None
        self._windows_reported = -1
        if sys.stderr.isatty():
            try:
                from rich.console import Console
                from rich.progress import Progress
            except ImportError:
                return
            # stderr, like every other message: stdout stays free for the user's pipes
            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("orders", total=None)

    def update(self, progress: SyncProgress) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task, completed=progress.orders_done, total=progress.orders_total
            )
        elif progress.windows_done != self._windows_reported:
            self._windows_reported = progress.windows_done
            click.echo(
                f"windows {progress.windows_done}/{progress.windows_total}, "
                f"pages {progress.pages_done}, "
                # about: the total is WeChat's count per window, read window by window
                f"orders {progress.orders_done:,} of about {progress.orders_total:,}",
                err=True,
            )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
