"""``iter_orders``: every gift-card order in a time range, each yielded exactly once.

WeChat pages orders by offset inside windows of at most 31 days. The sync splits the range
into windows, reads each window's first page to learn ``total_count``, then fetches the other
pages ``concurrency`` at a time and hands them out in order.

Two ways to consume it, both safe to ``break`` out of, under asyncio and trio:

* ``async for order in sync``: a plain async iterator (not an async generator). Pages are
  fetched in batches of ``concurrency`` inside ``__anext__``; no task runs between two
  orders, so there is nothing to clean up.
* ``async with sync: async for order in sync``: pipelined. A task group owned by the
  ``async with`` block keeps ``concurrency`` requests in flight while the consumer works;
  leaving the block (normally, by ``break`` or by an error) cancels the outstanding fetches.
  Faster when latency dominates; the structured-concurrency way to prefetch.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import anyio
import anyio.abc
import attrs
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._errors import FieldError, RequestValidationError, WeChatError
from .._models import datetime_to_unix
from .models import MAX_ORDER_WINDOW, BatchGetOrdersResponse, Order

__all__ = ["OrderSync", "SyncCheckpoint", "SyncProgress", "split_windows"]

FetchPage = Callable[..., Awaitable[BatchGetOrdersResponse]]

#: How often a window whose total grew during the sync is re-read to catch shifted orders.
_MAX_RESCANS = 3


@attrs.frozen
class SyncCheckpoint:
    """Where a sync stands: window index, page offset in it, and how many orders of that page
    were already handed out. JSON-ready through ``to_dict``/``from_dict``.

    A resume reads the pages after this point as they are then: orders created in the part of
    a window already read before the checkpoint are not picked up (a sync returns the orders
    that existed when it read each page).

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
        """The inverse of ``to_dict``; ValueError on anything else (e.g. a damaged file)."""
        fields = attrs.fields_dict(cls)
        if not isinstance(data, dict) or not set(data) <= set(fields):
            raise ValueError(f"not a SyncCheckpoint: {data!r}")
        for name, value in data.items():
            wanted = str if name == "sort_type" else int
            if type(value) is not wanted:
                raise ValueError(f"SyncCheckpoint.{name} must be {wanted.__name__}: {value!r}")
        try:
            return cls(**data)
        except TypeError as exc:  # a field missing
            raise ValueError(f"not a SyncCheckpoint: {exc}") from None


@attrs.define
class SyncProgress:
    """Counters updated as the sync goes (read them, or pass ``progress=callback``)."""

    windows_total: int = 0
    windows_done: int = 0
    pages_done: int = 0
    orders_done: int = 0
    #: sum of ``total_count`` over the windows read so far (an order created on the second
    #: two windows share is in both totals, and yielded once)
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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside an exception group, flattened (``[exc]`` for a plain one)."""
    inner = getattr(exc, "exceptions", None)
    if inner is None:
        return [exc]
    return [leaf for e in inner for leaf in _leaves(e)]


def _as_unix(name: str, value: object, errors: list[FieldError]) -> int:
    """Unix seconds from an int or an aware datetime; anything else is a field error."""
    if isinstance(value, dt.datetime):
        try:
            return datetime_to_unix(value)
        except ValueError as exc:
            errors.append(FieldError(name, str(exc)))
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    else:
        errors.append(FieldError(name, f"must be Unix seconds or an aware datetime: {value!r}"))
    return 0


@attrs.define(eq=False)
class _Page:
    window: int
    offset: int
    response: BatchGetOrdersResponse | None = None
    #: pipelined mode: the fetch ended (``response`` or ``error`` is set)
    done: anyio.Event | None = None
    error: Exception | None = None
    last_of_window: bool = False


class OrderSync:
    """An async iterator of orders; see ``GiftCardNamespace.iter_orders``.

    Memory: at most about ``2 * concurrency`` pages of orders, plus the ids of the current
    window's orders. Those ids are the exactly-once check: a page boundary can move by any
    number of orders when orders arrive mid-sync, so remembering only a boundary region would
    not be enough; one window's ids (about 100 bytes each) is bounded by that window's total.

    >>> async with client.giftcard.iter_orders(b, e, concurrency=32) as sync:  # doctest: +SKIP
    ...     async for order in sync:
    ...         save(order)
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
        errors: list[FieldError] = []
        begin = _as_unix("begin_time", begin_time, errors)
        end = _as_unix("end_time", end_time, errors)
        if not errors and end < begin:
            errors.append(FieldError("end_time", "must not be before begin_time"))
        if not _is_int(concurrency) or concurrency < 1:
            errors.append(FieldError("concurrency", f"must be an int >= 1, got {concurrency!r}"))
        if not _is_int(page_size) or not 1 <= page_size <= 100:
            errors.append(FieldError("page_size", f"must be an int 1..100, got {page_size!r}"))
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
        # pipelined mode (``async with``)
        self._started = False
        self._closed = False
        self._tg: anyio.abc.TaskGroup | None = None
        self._feed: MemoryObjectReceiveStream[_Page] | None = None

    @property
    def checkpoint(self) -> SyncCheckpoint:
        """Resume point: every order already handed to the consumer counts as done."""
        window, offset, skip = self._position
        return attrs.evolve(self._start, window=window, offset=offset, skip=skip)

    def __aiter__(self) -> OrderSync:
        return self

    async def __anext__(self) -> Order:
        if self._closed:
            raise RuntimeError("this sync's async with block has ended; resume from .checkpoint")
        self._started = True
        while not self._buffer:
            if not await (self._load_fed() if self._feed is not None else self._load()):
                self._position = (len(self._windows), 0, 0)
                raise StopAsyncIteration
        order, self._position = self._buffer.popleft()
        self.progress.orders_done += 1
        return order

    async def __aenter__(self) -> OrderSync:
        if self._started or self._tg is not None:
            raise RuntimeError("enter the sync's async with block before iterating it, once")
        self._started = True
        # The stream's buffer bounds the pages fetched ahead of the consumer.
        send, self._feed = anyio.create_memory_object_stream[_Page](self._concurrency)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._produce, send)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        assert self._feed is not None
        self._closed = True
        # Done, broken out of, or failed: either way the fetches still running are not needed.
        self._tg.cancel_scope.cancel()
        self._feed.close()
        try:
            return await self._tg.__aexit__(exc_type, exc, tb)
        except BaseException as error:
            # The task group wraps the block's own error: callers catch that error itself.
            if exc is not None and _leaves(error) == [exc]:
                return None
            raise

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
        probes = self._first_pages(self._next_window)
        stop = probes[-1].window + 1
        await self._fill(probes)
        plan: list[_Page] = []
        for probe in probes:
            plan.append(probe)
            plan.extend(self._rest_of_window(probe))
        self._plan, self._next_page, self._next_window = plan, 0, stop

    def _first_pages(self, first: int) -> list[_Page]:
        """First pages of the next ``concurrency`` windows (at the checkpoint, when resuming)."""
        stop = min(first + self._concurrency, len(self._windows))
        resume = self._position[1] if first == self._start.window else 0
        return [_Page(w, resume if w == first else 0) for w in range(first, stop)]

    def _rest_of_window(self, probe: _Page) -> list[_Page]:
        """The pages after ``probe``, the window's first page, now that its total is known."""
        assert probe.response is not None
        total = probe.response.total_count
        self.progress.orders_total += total
        return [
            _Page(probe.window, offset)
            for offset in range(probe.offset + self._size, total, self._size)
        ]

    # -- pipelined mode ---------------------------------------------------------------------------
    async def _produce(self, send: MemoryObjectSendStream[_Page]) -> None:
        """Feed pages in order; ``concurrency`` fetches in flight, errors handed on in order."""
        gate = anyio.Semaphore(self._concurrency)

        async def fetch(page: _Page) -> None:
            try:
                page.response = await self._get(page.window, page.offset)
            except Exception as exc:  # the consumer raises it, in its place in the order
                page.error = exc
            finally:
                gate.release()
                assert page.done is not None
                page.done.set()

        async def start(page: _Page) -> _Page:
            await gate.acquire()
            page.done = anyio.Event()
            tg.start_soon(fetch, page)
            return page

        async with send, anyio.create_task_group() as tg:
            window = self._start.window
            while window < len(self._windows):
                probes = [await start(p) for p in self._first_pages(window)]
                window = probes[-1].window + 1
                for probe in probes:
                    assert probe.done is not None
                    await probe.done.wait()
                    rest = [] if probe.error else self._rest_of_window(probe)
                    probe.last_of_window = not rest
                    await send.send(probe)
                    if probe.error:
                        return  # the consumer stops at this page
                    for i, page in enumerate(rest):
                        page.last_of_window = i + 1 == len(rest)
                        await send.send(await start(page))

    async def _load_fed(self) -> bool:
        assert self._feed is not None
        try:
            page = await self._feed.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return False
        assert page.done is not None
        await page.done.wait()
        if page.error is not None:
            raise page.error
        await self._take(page, page.last_of_window)
        return True

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
        # Resuming inside this page: its first ``skip`` orders went out before the checkpoint.
        # They still count as seen (one on the shared second must not reappear next window).
        skip, self._skip = self._skip, 0
        index = 0
        for order in response.order_list:
            index += 1
            if order.order_id in self._seen:
                continue
            self._seen.add(order.order_id)
            if order.create_time == shared_second:
                self._carried.add(order.order_id)
            if index > skip:
                self._buffer.append((order, (page.window, page.offset, index)))
        self.progress.pages_done += 1
        if last_of_window:
            if self._grew:
                await self._rescan(page.window)
            self.progress.windows_done += 1
        self._report()

    async def _rescan(self, window: int) -> None:
        """Orders arrived inside the window while it was read, shifting pages: read it again
        in order and keep only what was not handed out yet.

        An order found here resumes (from a checkpoint) at its own page of this re-read: a
        resume may then repeat orders of the window handed out before, but never skips one.
        """
        shared_second = self._shared[window]
        for _ in range(_MAX_RESCANS):
            offset, total, found = 0, 1, 0
            first_total: int | None = None
            while offset < total:
                response = await self._get(window, offset)
                total = response.total_count
                first_total = total if first_total is None else first_total
                for index, order in enumerate(response.order_list, start=1):
                    if order.order_id not in self._seen:
                        self._seen.add(order.order_id)
                        if order.create_time == shared_second:
                            self._carried.add(order.order_id)
                        found += 1
                        self._buffer.append((order, (window, offset, index)))
                offset += self._size
            if total == first_total and not found:
                return

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)
