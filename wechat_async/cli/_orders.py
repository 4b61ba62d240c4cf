"""``wechat-async orders``: sync every order to a file, or read one."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import click

from .._client import WeChatClient
from .._convert import converter
from .._errors import RequestValidationError, WeChatError
from ..giftcard import (
    OrderSync,
    SortType,
    SyncCheckpoint,
    SyncProgress,
    UnreadOrder,
    UnreadOrdersError,
)
from ._calls import call_json, client_options
from ._main import (
    EXIT_UNREAD,
    Interrupted,
    api_error,
    credentials,
    hint,
    is_quiet,
    main,
    notice,
    output_options,
    plural,
    refuse_unused,
    time_option,
)
from ._sinks import OutputChangedError, Sink, open_sink, stdout_sink

_CHECKPOINT_EVERY = 1000


@main.group()
def orders() -> None:
    """Gift-card orders."""


@orders.command("sync")
@credentials(required="without --emulator")
@click.option(
    "--begin",
    callback=time_option(),
    default=None,
    help="YYYY-MM-DD[THH:MM] (China time) or Unix seconds [required without --emulator]",
)
@click.option(
    "--end",
    callback=time_option(end_of_day=True),
    default=None,
    help="YYYY-MM-DD[THH:MM] (China time) or Unix seconds; a date alone includes that whole "
    "day [required without --emulator]",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    required=True,
    help="file to write: .jsonl (default), .csv or .sqlite, chosen by the extension; "
    "- writes JSON lines to stdout",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="resume file: read if present, updated as orders are written (not with --out -)",
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option(
    "--sort",
    type=click.Choice(["ASC", "DESC"], case_sensitive=False),
    default="asc",  # as click shows the choices; read as ASC
    show_default=True,
)
@click.option(
    "--emulator",
    "emulated",
    type=click.IntRange(0),
    default=None,
    help="serve N generated orders from the built-in emulator and sync those (no account needed)",
)
@click.option(
    "--latency",
    type=click.FloatRange(0),
    default=0.0,
    help="with --emulator: seconds added to each of its replies",
)
@output_options
@click.pass_context
def sync_orders(
    ctx: click.Context,
    appid: str | None,
    secret: str | None,
    base_url: str | None,
    begin: int | None,
    end: int | None,
    out: Path,
    checkpoint: Path | None,
    concurrency: int,
    sort: SortType,
    emulated: int | None,
    latency: float,
) -> None:
    """Write every gift-card order between BEGIN and END to OUT, each exactly once.

    Exit codes: 0 ok, 1 an API, network or file error, 2 usage (a --checkpoint that does not
    fit included), 3 synced but some orders unread (listed in OUT.unread.jsonl), 130 Ctrl-C
    (the checkpoint is saved: the same command resumes)."""
    if str(out) == "-" and checkpoint is not None:
        # A resume cuts OUT back to what the checkpoint covers: a pipe cannot be cut back,
        # and what went down it may repeat.
        raise click.UsageError(
            "'--checkpoint' cannot resume into stdout ('--out -'): write OUT to a file", ctx
        )
    job = _SyncJob(out=out, checkpoint_path=checkpoint, concurrency=concurrency, sort=sort)
    run: Callable[[], Awaitable[None]]
    if emulated is not None:
        refuse_unused(
            ctx,
            {
                name: "has no use with '--emulator', which serves its own"
                for name in ("base_url", "appid", "secret")
            },
        )
        run = functools.partial(job.run_emulated, emulated, latency, begin, end)
    else:
        refuse_unused(ctx, {"latency": "slows the emulator: it needs '--emulator'"})
        if appid is None or secret is None or begin is None or end is None:
            given = {"appid": appid, "secret": secret, "begin": begin, "end": end}
            names = ", ".join(hint(ctx, n) for n, v in given.items() if v is None)
            raise click.UsageError(f"Missing {names} (required without '--emulator')", ctx)
        run = functools.partial(job.run, appid, secret, base_url, begin, end)
    try:
        anyio.run(run)
    except WeChatError as exc:
        api_error(exc)
    except KeyboardInterrupt:
        raise Interrupted(job.interrupted()) from None


@orders.command("get")
@credentials(required=True)
@click.argument("order_id")
@output_options
def get_order(appid: str, secret: str, base_url: str | None, order_id: str) -> None:
    """Print one order as JSON (pipe it to jq)."""

    async def call(client: WeChatClient) -> Any:
        return await client.giftcard.get_order(order_id=order_id)

    call_json(client_options(appid, secret, base_url), call)


class _SyncJob:
    def __init__(
        self, *, out: Path, checkpoint_path: Path | None, concurrency: int, sort: SortType
    ):
        self.out = out
        self.to_stdout = str(out) == "-"
        self.checkpoint_path = checkpoint_path
        self.concurrency = concurrency
        self.sort = sort
        self.written = 0

    @property
    def where(self) -> str:
        return "stdout" if self.to_stdout else str(self.out)

    async def run_emulated(
        self, orders: int, latency: float, begin: int | None, end: int | None
    ) -> None:
        from ..testing import Emulator

        async with Emulator(orders=orders, latency=latency) as wx:
            notice(f"emulator with {plural(orders, 'order')} at {wx.base_url}")
            await self.run(
                wx.appid,
                wx.secret,
                wx.base_url,
                wx.start_time if begin is None else begin,
                wx.end_time if end is None else end,
            )

    def interrupted(self) -> str:
        """What Ctrl-C left, and whether the same command picks up from there."""
        done = f"{plural(self.written, 'order')} written to {self.where}"
        path = self.checkpoint_path
        if path is None:
            return f"{done}; with no --checkpoint a re-run starts over"
        if not path.exists():
            return f"{done}; nothing saved to {path} yet, so a re-run starts over"
        return f"{done}; run the same command again to resume from {path}"

    def _identity(self, appid: str, begin: int, end: int) -> dict[str, Any]:
        """What a checkpoint belongs to: resuming anything else would skip or repeat orders."""
        return {
            "appid": appid,
            "begin": begin,
            "end": end,
            "sort": self.sort,
            "out": str(self.out.resolve()),
        }

    def _load_checkpoint(self, identity: dict[str, Any]) -> tuple[SyncCheckpoint, int] | None:
        """The saved position and how far into OUT it goes, checked to be this sync's."""
        path = self.checkpoint_path
        if path is None or not path.exists():
            return None
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(saved, dict):
                raise ValueError("not a JSON object")
            missing = sorted({*identity, "out_size", "sync"} - set(saved))
            if missing:
                raise ValueError(f"no {', '.join(missing)}")
            size = saved["out_size"]
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ValueError(f"out_size must be a count >= 0, got {size!r}")
            sync = SyncCheckpoint.from_dict(saved["sync"])
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise _CheckpointError(f"{path} is not a checkpoint of this command: {exc}") from None
        for key, wanted in identity.items():
            if saved[key] != wanted:
                raise _CheckpointError(
                    f"{path} belongs to a sync with --{key} {saved[key]!r}, not {wanted!r}: "
                    "pass another --checkpoint, or delete it to start over"
                )
        if (sync.begin_time, sync.end_time, sync.sort_type) != (
            identity["begin"],
            identity["end"],
            identity["sort"],
        ):
            raise _CheckpointError(f"{path} is damaged: its position is for another range")
        return sync, size

    def _save_checkpoint(
        self, checkpoint: SyncCheckpoint, sink: Sink, identity: dict[str, Any]
    ) -> None:
        if self.checkpoint_path is None:
            return
        # Orders first, then the checkpoint, atomically: a crash never skips an order. How
        # far OUT went goes with it: orders written after it are cut off on resume, not
        # written twice.
        try:
            sink.flush()
            size = sink.position()
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None
        state = {**identity, "out_size": size, "sync": checkpoint.to_dict()}
        tmp = self.checkpoint_path.with_suffix(self.checkpoint_path.suffix + ".tmp")
        try:
            tmp.write_text(json.dumps(state))
            tmp.replace(self.checkpoint_path)
        except OSError as exc:
            raise _cannot_write(self.checkpoint_path, exc) from None

    def _close(self, sync: OrderSync, sink: Sink, identity: dict[str, Any], *, save: bool) -> None:
        """Save where the sync stands and close OUT. Not after OUT failed a write: what the
        sync handed out may not all be in it, and the last checkpoint is right."""
        try:
            if save:
                self._save_checkpoint(sync.checkpoint, sink, identity)
        finally:
            try:
                sink.close()
            except OSError as exc:
                raise _cannot_write(self.out, exc) from None

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
        if self.to_stdout:
            return stdout_sink(sys.stdout.buffer)
        if resume_at is not None and not self.out.exists():
            raise _CheckpointError(f"{self.out} is missing: cannot resume into it")
        try:
            return open_sink(self.out, resume_at)
        except OutputChangedError as exc:
            raise _CheckpointError(f"{exc}: delete --checkpoint to start over") from None
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None

    def _start(
        self,
        client: WeChatClient,
        begin: int,
        end: int,
        resume: tuple[SyncCheckpoint, int] | None,
        reporter: _Reporter,
    ) -> OrderSync:
        """The sync, before OUT is opened: a checkpoint that does not fit is refused first."""
        try:
            return client.giftcard.iter_orders(
                begin,
                end,
                sort_type=self.sort,
                concurrency=self.concurrency,
                checkpoint=resume[0] if resume else None,
                progress=reporter.update,
            )
        except RequestValidationError as exc:
            if any(field.startswith("checkpoint") for field in exc.fields):
                raise _CheckpointError(
                    f"{self.checkpoint_path} does not fit this sync: {exc}"
                ) from None
            raise

    async def run(
        self, appid: str, secret: str, base_url: str | None, begin: int, end: int
    ) -> None:
        options: dict[str, Any] = {"base_url": base_url} if base_url else {}
        identity = self._identity(appid, begin, end)
        resume = self._load_checkpoint(identity)
        started = time.perf_counter()
        fen = 0
        async with WeChatClient(appid, secret, **options) as client:
            reporter = _Reporter(quiet=is_quiet())
            try:
                sync = self._start(client, begin, end, resume, reporter)
                self._check_checkpoint_writable()
                sink = self._open_out(resume[1] if resume else None)
                out_failed = False
                unread: UnreadOrdersError | None = None
                try:
                    # inside async with: pages are prefetched while orders are written
                    async with sync:
                        async for order in sync:
                            try:
                                sink.write(converter.unstructure(order))
                            except OSError as exc:  # a full disk...
                                out_failed = True
                                raise _cannot_write(self.out, exc) from None
                            self.written += 1
                            fen += order.total_price or 0
                            if self.written % _CHECKPOINT_EVERY == 0:
                                out_failed = True  # until the save has gone through
                                self._save_checkpoint(sync.checkpoint, sink, identity)
                                out_failed = False
                except UnreadOrdersError as exc:
                    unread = exc  # and every other order is written: finish as usual
                except BaseException:
                    # The error in flight is the one to report (in one line); a checkpoint that
                    # cannot be saved now leaves the last one, which a resume starts from.
                    with contextlib.suppress(click.ClickException):
                        self._close(sync, sink, identity, save=not out_failed)
                    raise
                reporter.finish(sync.progress)
                self._close(sync, sink, identity, save=True)
                self._write_unread(sync.unread)
            finally:
                reporter.close()
        elapsed = time.perf_counter() - started
        rate = self.written / elapsed if elapsed else 0.0
        notice(
            f"synced {plural(self.written, 'order')} (¥{fen / 100:,.2f}) to {self.where} "
            f"in {elapsed:.2f}s ({rate:,.0f} orders/s)"
        )
        if unread is not None:
            where = "on stderr above" if self.to_stdout else f"in {self._unread_path()}"
            raise _UnreadError(
                f"{plural(len(unread.unread), 'order')} could not be read (WeChat failed every "
                f"page holding them; every other order was written): their positions and "
                f"errors are {where}"
            )

    def _unread_path(self) -> Path:
        return self.out.with_name(self.out.name + ".unread.jsonl")

    def _write_unread(self, unread: tuple[UnreadOrder, ...]) -> None:
        """Beside OUT, one JSON line per order WeChat would not serve; none, no file (one left
        by an earlier run over OUT is removed)."""
        if self.to_stdout:  # stdout is the orders'
            for u in unread:
                click.echo("unread " + json.dumps(u.to_dict(), ensure_ascii=False), err=True)
            return
        path = self._unread_path()
        try:
            if not unread:
                path.unlink(missing_ok=True)
                return
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(
                "".join(json.dumps(u.to_dict(), ensure_ascii=False) + "\n" for u in unread),
                encoding="utf-8",
            )
            tmp.replace(path)
        except OSError as exc:
            raise _cannot_write(path, exc) from None


class _UnreadError(click.ClickException):
    """The sync finished, but some orders could not be read (exit 3)."""

    exit_code = EXIT_UNREAD


class _CheckpointError(click.ClickException):
    """--checkpoint does not fit this command: a usage error (exit 2), in one line."""

    exit_code = 2


def _cannot_write(path: Path, exc: OSError) -> Exception:
    if isinstance(exc, BrokenPipeError):  # `--out - | head`: the command ends quietly (141)
        return exc
    return click.ClickException(f"cannot write {path}: {exc.strerror or exc}")


class _Reporter:
    """A rich progress bar on a terminal (fitting 80 columns); otherwise one plain line per
    window done; nothing with --quiet. ``finish`` shows the real count the sync ended at."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._started = time.perf_counter()
        self._quiet = quiet
        self._progress: Any = None
        self._task: Any = None
        self._shown: tuple[int, ...] = ()
        if not quiet and sys.stderr.isatty():
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    Progress,
                    TaskProgressColumn,
                    TextColumn,
                    TimeRemainingColumn,
                )
            except ImportError:
                return
            # stderr, like every other message: stdout stays free for the user's pipes (and
            # for --out -, which is why stdout is not redirected above the bar)
            self._progress = Progress(
                TextColumn("windows {task.fields[windows]}"),
                BarColumn(bar_width=None),  # takes what the other columns leave
                TaskProgressColumn(),
                TextColumn("{task.fields[count]}"),
                TextColumn("{task.fields[rate]:,.0f} orders/s"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
                expand=True,
                redirect_stdout=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "orders", total=None, windows="0/?", count="0", rate=0.0
            )

    def update(self, progress: SyncProgress, *, final: bool = False) -> None:
        if self._quiet:
            return
        done = progress.orders_done
        # The total is WeChat's count per window, summed over the windows read so far; at
        # the end, what the sync really yielded (and what it could not read).
        total = done + progress.orders_unread if final else progress.orders_total
        if self._progress is not None:
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            self._progress.update(
                self._task,
                windows=f"{progress.windows_done}/{progress.windows_total}",
                count=f"{done:,}/{total:,}",
                completed=done,
                total=total,
                rate=done / elapsed,
                refresh=final,
            )
        else:
            counts = (progress.windows_done, progress.pages_done, done, total)
            new_window = not self._shown or counts[0] != self._shown[0]
            if new_window or (final and counts != self._shown):
                self._shown = counts
                about = "" if final else "about "
                click.echo(
                    f"windows {progress.windows_done}/{progress.windows_total}, "
                    f"pages {progress.pages_done}, orders {done:,} of {about}{total:,}",
                    err=True,
                )

    def finish(self, progress: SyncProgress) -> None:
        """The sync is over: the last orders were yielded after the last page's report."""
        self.update(progress, final=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
