"""``iter_orders``: every gift-card order in a time range, each yielded exactly once.

WeChat pages orders by offset inside windows of at most 31 days. The sync splits the range
into windows, reads each window's first page to learn ``total_count``, then fetches the other
pages ``concurrency`` at a time and yields them in order. No task group is open while an order
is yielded, so breaking out of the loop leaves nothing running, under asyncio and trio alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import attrs

from .._errors import FieldError, RequestValidationError
from .._models import datetime_to_unix
from ._order_models import MAX_ORDER_WINDOW, BatchGetOrdersResponse, Order

__all__ = ["OrderSync", "SyncCheckpoint", "SyncProgress", "split_windows"]

FetchPage = Callable[..., Awaitable[BatchGetOrdersResponse]]

#: How often a window whose total grew during the sync is re-read to catch shifted orders.
_MAX_RESCANS = 3


@attrs.frozen
class SyncCheckpoint:
    """Where a sync stands: the next page to read. JSON-ready through ``to_dict``/``from_dict``.

    >>> SyncCheckpoint.from_dict(sync.checkpoint.to_dict())  # doctest: +SKIP
    """

    begin_time: int
    end_time: int
    sort_type: str
    page_size: int
    window: int = 0
    offset: int = 0

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncCheckpoint:
        return cls(**data)


@attrs.define
class SyncProgress:
    """Counters updated as the sync goes (read them, or pass ``progress=callback``)."""

    windows_total: int = 0
    windows_done: int = 0
    pages_done: int = 0
    orders_done: int = 0
    #: sum of ``total_count`` over the windows read so far
    orders_total: int = 0


def split_windows(begin_time: int, end_time: int) -> list[tuple[int, int]]:
    """Consecutive windows of at most 31 days covering ``[begin_time, end_time]``.

    Neighbouring windows share their boundary second (WeChat's bounds are inclusive, and an
    order created on that second must not fall between two windows); the sync drops the
    repeat.
    """
    windows = []
    start = begin_time
    while True:
        stop = min(start + MAX_ORDER_WINDOW, end_time)
        windows.append((start, stop))
        if stop >= end_time:
            return windows
        start = stop


def _as_unix(value: int | dt.datetime) -> int:
    return datetime_to_unix(value) if isinstance(value, dt.datetime) else value


@attrs.define
class _Page:
    window: int
    offset: int
    response: BatchGetOrdersResponse | None = None


class OrderSync:
    """An async iterable of orders; see ``GiftCardNamespace.iter_orders``."""

    def __init__(
        self,
        fetch: FetchPage,
        begin_time: int | dt.datetime,
        end_time: int | dt.datetime,
        *,
        sort_type: str = "ASC",
        concurrency: int = 8,
        page_size: int = 100,
        checkpoint: SyncCheckpoint | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
    ) -> None:
        begin, end = _as_unix(begin_time), _as_unix(end_time)
        errors = []
        if end < begin:
            errors.append(FieldError("end_time", "must not be before begin_time"))
        if concurrency < 1:
            errors.append(FieldError("concurrency", f"must be >= 1, got {concurrency}"))
        if not 1 <= page_size <= 100:
            errors.append(FieldError("page_size", f"must be 1..100, got {page_size}"))
        if sort_type not in ("ASC", "DESC"):
            errors.append(FieldError("sort_type", f"must be 'ASC' or 'DESC', got {sort_type!r}"))
        if checkpoint is not None and (
            (checkpoint.begin_time, checkpoint.end_time, checkpoint.sort_type, checkpoint.page_size)
            != (begin, end, sort_type, page_size)
        ):
            errors.append(FieldError("checkpoint", "was made for another range or page size"))
        if errors:
            raise RequestValidationError("iter_orders", errors)
        self._fetch = fetch
        self._concurrency = concurrency
        windows = split_windows(begin, end)
        # DESC reads the newest window first; each window shares one second with the next.
        if sort_type == "DESC":
            windows.reverse()
            self._shared = [w[0] for w in windows]
        else:
            self._shared = [w[1] for w in windows]
        self._windows = windows
        self._on_progress = progress
        self.checkpoint = checkpoint or SyncCheckpoint(begin, end, sort_type, page_size)
        self.progress = SyncProgress(windows_total=len(self._windows))

    def __aiter__(self) -> AsyncIterator[Order]:
        return self._run()

    async def _get(self, window: int, offset: int) -> BatchGetOrdersResponse:
        begin, end = self._windows[window]
        cp = self.checkpoint
        return await self._fetch(
            begin_time=begin,
            end_time=end,
            sort_type=cp.sort_type,
            offset=offset,
            count=cp.page_size,
        )

    async def _fill(self, pages: list[_Page]) -> None:
        async def one(page: _Page) -> None:
            page.response = await self._get(page.window, page.offset)

        async with anyio.create_task_group() as tg:
            for page in pages:
                tg.start_soon(one, page)

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)

    async def _run(self) -> AsyncIterator[Order]:
        first_window = self.checkpoint.window
        self.progress.windows_done = first_window
        chunk = self._concurrency
        for chunk_start in range(first_window, len(self._windows), chunk):
            windows = range(chunk_start, min(chunk_start + chunk, len(self._windows)))
            # Probe every window of the chunk at once: first pages give the totals.
            probes = [_Page(w, self.checkpoint.offset if w == first_window else 0) for w in windows]
            await self._fill(probes)
            plan: list[_Page] = []
            for probe in probes:
                assert probe.response is not None
                self.progress.orders_total += probe.response.total_count
                plan.append(probe)
                size = self.checkpoint.page_size
                plan.extend(
                    _Page(probe.window, offset)
                    for offset in range(probe.offset + size, probe.response.total_count, size)
                )
            async for order in self._drain(plan):
                yield order

    async def _drain(self, plan: list[_Page]) -> AsyncIterator[Order]:
        seen: set[str] = set()
        carried: set[str] = set()  # ids on the second shared with the next window
        grew = False
        totals: dict[int, int] = {}
        size = self.checkpoint.page_size
        i = 0
        while i < len(plan):
            # The next batch: up to `concurrency` pages still to fetch (probes are in already).
            j, missing = i, 0
            while j < len(plan) and (plan[j].response is not None or missing < self._concurrency):
                missing += plan[j].response is None
                j += 1
            await self._fill([p for p in plan[i:j] if p.response is None])
            for k in range(i, j):
                page = plan[k]
                response = page.response
                assert response is not None
                if page.window not in totals:
                    totals[page.window] = response.total_count
                    seen, carried, grew = carried, set(), False
                elif response.total_count != totals[page.window]:
                    grew = True
                shared_second = self._shared[page.window]
                for order in response.order_list:
                    if order.order_id in seen:
                        continue
                    seen.add(order.order_id)
                    if order.create_time == shared_second:
                        carried.add(order.order_id)
                    self.progress.orders_done += 1
                    yield order
                page.response = None  # memory stays at the pages in flight
                self.progress.pages_done += 1
                if k + 1 == len(plan) or plan[k + 1].window != page.window:
                    if grew:
                        async for order in self._rescan(page.window, seen):
                            yield order
                    self.progress.windows_done += 1
                    self.checkpoint = attrs.evolve(
                        self.checkpoint, window=page.window + 1, offset=0
                    )
                else:
                    self.checkpoint = attrs.evolve(
                        self.checkpoint, window=page.window, offset=page.offset + size
                    )
                self._report()
            i = j

    async def _rescan(self, window: int, seen: set[str]) -> AsyncIterator[Order]:
        """Orders arrived inside the window while it was read, shifting pages: read it again
        in order and yield only what was not yielded yet."""
        size = self.checkpoint.page_size
        for _ in range(_MAX_RESCANS):
            offset, total, found = 0, 1, 0
            first_total: int | None = None
            while offset < total:
                response = await self._get(window, offset)
                total = response.total_count
                first_total = total if first_total is None else first_total
                for order in response.order_list:
                    if order.order_id not in seen:
                        seen.add(order.order_id)
                        found += 1
                        self.progress.orders_done += 1
                        yield order
                offset += size
            if total == first_total and not found:
                return
