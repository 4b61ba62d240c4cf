"""``iter_orders``: every gift-card order in a time range, each yielded exactly once.

WeChat pages orders by offset inside windows of at most 31 days. The sync splits the range
into windows, reads each window's first page to learn ``total_count``, then fetches the other
pages ``concurrency`` at a time and hands them out in order. It is a plain async iterator (not
an async generator) and no task is left running between two orders, so breaking out of the
loop needs no clean-up, under asyncio and trio alike.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import attrs

from .._errors import FieldError, RequestValidationError, WeChatError
from .._models import datetime_to_unix
from ._order_models import MAX_ORDER_WINDOW, BatchGetOrdersResponse, Order

__all__ = ["OrderSync", "SyncCheckpoint", "SyncProgress", "split_windows"]

FetchPage = Callable[..., Awaitable[BatchGetOrdersResponse]]

#: How often a window whose total grew during the sync is re-read to catch shifted orders.
_MAX_RESCANS = 3


@attrs.frozen
class SyncCheckpoint:
    """Where a sync stands: window index, page offset in it, and how many orders of that page
    were already handed out. JSON-ready through ``to_dict``/``from_dict``.

    >>> SyncCheckpoint.from_dict(sync.checkpoint.to_dict())  # doctest: +SKIP
    """

    begin_time: int
    end_time: int
    sort_type: str
    page_size: int
    window: int = 0
    offset: int = 0
    skip: int = 0

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


def _first_wechat_error(exc: BaseException) -> WeChatError | None:
    if isinstance(exc, WeChatError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _first_wechat_error(inner)
        if found is not None:
            return found
    return None


def _as_unix(value: int | dt.datetime) -> int:
    return datetime_to_unix(value) if isinstance(value, dt.datetime) else value


@attrs.define
class _Page:
    window: int
    offset: int
    response: BatchGetOrdersResponse | None = None


class OrderSync:
    """An async iterator of orders; see ``GiftCardNamespace.iter_orders``.

    Memory: at most ``2 * concurrency`` pages of orders, plus the ids of the current window's
    orders (the exactly-once check; about 100 bytes an order, for one 31-day window at most).
    """

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
        windows = split_windows(begin, end)
        # DESC reads the newest window first; each window shares one second with the next.
        if sort_type == "DESC":
            windows.reverse()
        self._shared = [w[0] if sort_type == "DESC" else w[1] for w in windows]
        self._windows = windows
        self._fetch = fetch
        self._concurrency = concurrency
        self._size = page_size
        self._on_progress = progress
        self._start = checkpoint or SyncCheckpoint(begin, end, sort_type, page_size)
        self._position = (self._start.window, self._start.offset, self._start.skip)
        self.progress = SyncProgress(windows_total=len(windows), windows_done=self._start.window)
        # Orders fetched and not yet handed out, each with the resume position after it.
        self._buffer: deque[tuple[Order, tuple[int, int, int]]] = deque()
        self._plan: list[_Page] = []
        self._next_page = 0
        self._next_window = self._start.window
        self._skip = self._start.skip
        # exactly-once state of the window being read
        self._window: int | None = None
        self._total = 0
        self._grew = False
        self._seen: set[str] = set()
        self._carried: set[str] = set()

    @property
    def checkpoint(self) -> SyncCheckpoint:
        """Resume point: every order already handed to the consumer counts as done."""
        window, offset, skip = self._position
        return attrs.evolve(self._start, window=window, offset=offset, skip=skip)

    def __aiter__(self) -> OrderSync:
        return self

    async def __anext__(self) -> Order:
        while not self._buffer:
            if not await self._load():
                self._position = (len(self._windows), 0, 0)
                raise StopAsyncIteration
        order, self._position = self._buffer.popleft()
        self.progress.orders_done += 1
        return order

    # -- fetching -------------------------------------------------------------------------------
    async def _get(self, window: int, offset: int) -> BatchGetOrdersResponse:
        begin, end = self._windows[window]
        return await self._fetch(
            begin_time=begin,
            end_time=end,
            sort_type=self._start.sort_type,
            offset=offset,
            count=self._size,
        )

    async def _fill(self, pages: list[_Page]) -> None:
        async def one(page: _Page) -> None:
            page.response = await self._get(page.window, page.offset)

        try:
            async with anyio.create_task_group() as tg:
                for page in pages:
                    tg.start_soon(one, page)
        except Exception as exc:
            # Callers catch WeChatError, not the task group's ExceptionGroup around it.
            error = _first_wechat_error(exc)
            if error is None:
                raise
            raise error from exc

    async def _load(self) -> bool:
        """Fetch the next batch of pages into the buffer; False when there is nothing left."""
        if self._next_page >= len(self._plan):
            if self._next_window >= len(self._windows):
                return False
            await self._probe_next_windows()
        plan, i = self._plan, self._next_page
        j, missing = i, 0
        while j < len(plan) and (plan[j].response is not None or missing < self._concurrency):
            missing += plan[j].response is None
            j += 1
        await self._fill([p for p in plan[i:j] if p.response is None])
        for k in range(i, j):
            last_of_window = k + 1 == len(plan) or plan[k + 1].window != plan[k].window
            await self._take(plan[k], last_of_window)
        self._next_page = j
        return True

    async def _probe_next_windows(self) -> None:
        """First pages of the next ``concurrency`` windows, at once: they give the totals."""
        first = self._next_window
        stop = min(first + self._concurrency, len(self._windows))
        resume = self._position[1] if first == self._start.window else 0
        probes = [_Page(w, resume if w == first else 0) for w in range(first, stop)]
        await self._fill(probes)
        plan: list[_Page] = []
        for probe in probes:
            assert probe.response is not None
            self.progress.orders_total += probe.response.total_count
            plan.append(probe)
            plan.extend(
                _Page(probe.window, offset)
                for offset in range(
                    probe.offset + self._size, probe.response.total_count, self._size
                )
            )
        self._plan, self._next_page, self._next_window = plan, 0, stop

    async def _take(self, page: _Page, last_of_window: bool) -> None:
        response = page.response
        assert response is not None
        page.response = None  # memory stays at the pages in flight
        if page.window != self._window:
            self._window, self._total, self._grew = page.window, response.total_count, False
            self._seen, self._carried = self._carried, set()
        elif response.total_count != self._total:
            self._grew = True
        shared_second = self._shared[page.window]
        orders = response.order_list
        index = 0
        if self._skip:  # resuming inside this page: these went out before the checkpoint
            index, self._skip = self._skip, 0
        for order in orders[index:]:
            index += 1
            if order.order_id in self._seen:
                continue
            self._seen.add(order.order_id)
            if order.create_time == shared_second:
                self._carried.add(order.order_id)
            self._buffer.append((order, (page.window, page.offset, index)))
        self.progress.pages_done += 1
        if last_of_window:
            if self._grew:
                await self._rescan(page.window, (page.window, page.offset, index))
            self.progress.windows_done += 1
        self._report()

    async def _rescan(self, window: int, position: tuple[int, int, int]) -> None:
        """Orders arrived inside the window while it was read, shifting pages: read it again
        in order and keep only what was not handed out yet."""
        for _ in range(_MAX_RESCANS):
            offset, total, found = 0, 1, 0
            first_total: int | None = None
            while offset < total:
                response = await self._get(window, offset)
                total = response.total_count
                first_total = total if first_total is None else first_total
                for order in response.order_list:
                    if order.order_id not in self._seen:
                        self._seen.add(order.order_id)
                        found += 1
                        self._buffer.append((order, position))
                offset += self._size
            if total == first_total and not found:
                return

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)
