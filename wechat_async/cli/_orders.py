"""``wechat-async orders``: sync every order to a file, or read one."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import click

from .._client import WeChatClient
from .._convert import converter
from .._errors import WeChatError
from ..giftcard import SortType, SyncCheckpoint, SyncProgress
from ._calls import call_json, client_options
from ._main import credentials, main, parse_time
from ._sinks import Sink, open_sink

_CHECKPOINT_EVERY = 1000


@main.group()
def orders() -> None:
    """Gift-card orders."""


@orders.command("sync")
@credentials
@click.option(
    "--begin", "begin", default=None, help="YYYY-MM-DD[THH:MM] (China time) or Unix seconds"
)
@click.option(
    "--end",
    "end",
    default=None,
    help="YYYY-MM-DD[THH:MM] (China time) or Unix seconds; a date alone includes that whole day",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="file to write: .jsonl (default), .csv or .sqlite, chosen by the extension",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="resume file: read if present, updated as orders are written",
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--sort", type=click.Choice(["ASC", "DESC"]), default="ASC", show_default=True)
@click.option(
    "--emulator",
    "emulated",
    type=click.IntRange(0),
    default=None,
    help="serve N generated orders from the built-in emulator and sync those (no account needed)",
)
@click.option("--latency", type=float, default=0.0, help="with --emulator: seconds per request")
def sync_orders(
    appid: str | None,
    secret: str | None,
    base_url: str | None,
    begin: str | None,
    end: str | None,
    out: Path,
    checkpoint: Path | None,
    concurrency: int,
    sort: SortType,
    emulated: int | None,
    latency: float,
) -> None:
    """Write every gift-card order between BEGIN and END to OUT, each exactly once."""
    job = _SyncJob(out=out, checkpoint_path=checkpoint, concurrency=concurrency, sort=sort)
    try:
        if emulated is not None:
            anyio.run(job.run_emulated, emulated, latency, begin, end)
        elif not appid or not secret:
            raise click.UsageError("pass --appid and --secret (or WECHAT_APPID/WECHAT_SECRET)")
        elif begin is None or end is None:
            raise click.UsageError("pass --begin and --end")
        else:
            window = parse_time(begin), parse_time(end, end_of_day=True)
            anyio.run(job.run, appid, secret, base_url, *window)
    except WeChatError as exc:
        raise click.ClickException(str(exc)) from None


@orders.command("get")
@credentials
@click.argument("order_id")
def get_order(appid: str | None, secret: str | None, base_url: str | None, order_id: str) -> None:
    """Print one order as JSON (pipe it to jq)."""

    async def call(client: WeChatClient) -> Any:
        return await client.giftcard.get_order(order_id=order_id)

    call_json(client_options(appid, secret, base_url), call)


class _SyncJob:
    def __init__(
        self, *, out: Path, checkpoint_path: Path | None, concurrency: int, sort: SortType
    ):
        self.out = out
        self.checkpoint_path = checkpoint_path
        self.concurrency = concurrency
        self.sort = sort

    async def run_emulated(
        self, orders: int, latency: float, begin: str | None, end: str | None
    ) -> None:
        from ..testing import Emulator

        async with Emulator(orders=orders, latency=latency) as wx:
            click.echo(f"emulator with {orders} orders at {wx.base_url}", err=True)
            await self.run(
                wx.appid,
                wx.secret,
                wx.base_url,
                parse_time(begin) if begin else wx.start_time,
                parse_time(end, end_of_day=True) if end else wx.end_time,
            )

    def _load_checkpoint(self) -> tuple[SyncCheckpoint, int] | None:
        """The saved position and how far into OUT it goes."""
        if self.checkpoint_path is None or not self.checkpoint_path.exists():
            return None
        try:
            saved = json.loads(self.checkpoint_path.read_text())
            return SyncCheckpoint.from_dict(saved["sync"]), int(saved["out_bytes"])
        except (ValueError, KeyError, TypeError) as exc:
            raise click.ClickException(
                f"{self.checkpoint_path} is not a checkpoint of this command ({exc!r})"
            ) from None

    def _save_checkpoint(self, checkpoint: SyncCheckpoint, sink: Sink) -> None:
        if self.checkpoint_path is None:
            return
        # Orders first, then the checkpoint, atomically: a crash never skips an order. How
        # far OUT went goes with it: orders written after it are cut off on resume, not
        # written twice.
        sink.flush()
        state = {"sync": checkpoint.to_dict(), "out_bytes": sink.position()}
        tmp = self.checkpoint_path.with_suffix(self.checkpoint_path.suffix + ".tmp")
        try:
            tmp.write_text(json.dumps(state))
            tmp.replace(self.checkpoint_path)
        except OSError as exc:
            raise _cannot_write(self.checkpoint_path, exc) from None

    def _check_checkpoint_writable(self) -> None:
        # Before OUT is opened (and truncated) and any order is fetched: a checkpoint that
        # cannot be saved would otherwise surface only at the first save.
        if self.checkpoint_path is None:
            return
        tmp = self.checkpoint_path.with_suffix(self.checkpoint_path.suffix + ".tmp")
        try:
            tmp.touch()
            tmp.unlink()
        except OSError as exc:
            raise _cannot_write(self.checkpoint_path, exc) from None

    def _open_out(self, resume_at: int | None) -> Sink:
        if resume_at is not None and not self.out.exists():
            raise click.ClickException(f"{self.out} is missing: cannot resume into it")
        try:
            return open_sink(self.out, resume_at)
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None

    async def run(
        self, appid: str, secret: str, base_url: str | None, begin: int, end: int
    ) -> None:
        options: dict[str, Any] = {"base_url": base_url} if base_url else {}
        resume = self._load_checkpoint()
        started = time.perf_counter()
        written = fen = 0
        self._check_checkpoint_writable()
        reporter = _Reporter()
        sink = self._open_out(resume[1] if resume else None)
        async with WeChatClient(appid, secret, **options) as client:
            sync = client.giftcard.iter_orders(
                begin,
                end,
                sort_type=self.sort,
                concurrency=self.concurrency,
                checkpoint=resume[0] if resume else None,
                progress=reporter.update,
            )
            try:
                # inside async with: pages are prefetched while orders are written
                async with sync:
                    async for order in sync:
                        sink.write(converter.unstructure(order))
                        written += 1
                        fen += order.total_price or 0
                        if written % _CHECKPOINT_EVERY == 0:
                            self._save_checkpoint(sync.checkpoint, sink)
            finally:
                self._save_checkpoint(sync.checkpoint, sink)
                sink.close()
                reporter.close()
        elapsed = time.perf_counter() - started
        rate = written / elapsed if elapsed else 0.0
        click.echo(
            f"synced {written:,} orders (¥{fen / 100:,.2f}) to {self.out} in {elapsed:.2f}s "
            f"({rate:,.0f} orders/s)",
            err=True,
        )


def _cannot_write(path: Path, exc: OSError) -> click.ClickException:
    return click.ClickException(f"cannot write {path}: {exc.strerror or exc}")


class _Reporter:
    """A rich progress bar on a terminal; otherwise one plain line per window done."""

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._progress: Any = None
        self._task: Any = None
        self._windows_reported = -1
        if sys.stderr.isatty():
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TaskProgressColumn,
                    TextColumn,
                    TimeRemainingColumn,
                )
            except ImportError:
                return
            # stderr, like every other message: stdout stays free for the user's pipes
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>8,.0f} orders/s"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("orders", total=None, rate=0.0)

    def update(self, progress: SyncProgress) -> None:
        if self._progress is not None:
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            self._progress.update(
                self._task,
                description=(
                    f"orders: windows {progress.windows_done}/{progress.windows_total}, "
                    f"pages {progress.pages_done}"
                ),
                completed=progress.orders_done,
                total=progress.orders_total,
                rate=progress.orders_done / elapsed,
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
