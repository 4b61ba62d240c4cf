"""``iter_orders``: every gift-card order in a time range, each yielded exactly once.

WeChat pages orders by offset inside windows of at most 31 days. The sync splits the range
into windows and reads each window's pages in order, planned lazily from the largest
``total_count`` seen so far: a server's claim costs nothing until its orders arrive, and a
claim beyond ``max_window_orders`` is an error, not a plan.

Two ways to consume it, both safe to ``break`` out of, under asyncio and trio:

* ``async with sync: async for order in sync``: pipelined, the fast way. A task group owned
  by the ``async with`` block keeps ``concurrency`` requests in flight while the consumer
  works; leaving the block (normally, by ``break`` or by an error) cancels the outstanding
  fetches.
* ``async for order in sync`` alone: the same fetchers run in a task of their own
  (``_background.spawn``) for as long as the loop iterates. It stops them when it ends, fails
  or is left: ``break`` drops the loop's iterator, which stops them there and then. A page
  whose fetch was stopped is fetched again by the next loop over the sync.
* ``anext(sync)`` by hand, with no loop to tie a task to: when it runs dry it reads on with
  ``concurrency`` requests in flight until as many pages as the sync may hold ahead are
  fetched, then hands them out; no task runs between two orders.

All share one fetch loop, and in each a page's error is raised in its place in the order,
after every order before it.

Exactly once, with orders created while the sync runs (orders are only ever added):

* Every order that existed when the sync started is yielded once, in ``sort_type`` order.
* ASC (the way to sync "up to now"): new orders append after the ones read. The sync keeps
  reading the window's tail while its ``total_count`` grows, so they are yielded too, in
  order, for about one extra request per window.
* Orders that land before what was already read (DESC's newest-first, late orders dated in
  the past) shift the pages: the overlap is dropped by order id, and when the window's count
  of distinct orders falls short of its ``total_count`` the window is read again from its
  start, stopping as soon as the count is reached (at most ``_MAX_REREADS`` times). Such
  orders come out after the window's others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any

import anyio
import anyio.abc
import attrs

from .._background import spawn
from .._checks import unix_time
from .._errors import (
    AccessTokenError,
    APIError,
    ConfigurationError,
    FieldError,
    PermissionDeniedError,
    QuotaExceededError,
    RequestValidationError,
    ResponseValidationError,
    SyncInUseError,
    UnreadOrdersError,
)
from .._models import datetime_to_unix
from .._paging import Page
from ._endpoints import GiftCardEndpoints
from .models import MAX_ORDER_WINDOW, BatchGetOrdersResponse, Order

__all__ = [
    "MAX_WINDOW_ORDERS",
    "OrderSync",
    "SyncCheckpoint",
    "SyncInUseError",
    "SyncProgress",
    "UnreadOrder",
    "UnreadOrdersError",
    "split_windows",
]

#: One ``batch_get_orders`` call, its fields as keywords: the endpoint itself, a function that
#: calls it, or (``iter_orders``) an ``OffsetPager`` of it, whose pages build their orders when
#: the consumer reaches them.
FetchPage = Callable[..., Awaitable["BatchGetOrdersResponse | Page[Order]"]]

#: The endpoint paged, and how (its registry entry: path, keys, page size, total and items).
_ENDPOINT = GiftCardEndpoints.batch_get_orders
assert _ENDPOINT.paging is not None
_PAGING = _ENDPOINT.paging

#: Default bound on one window's ``total_count``: the sync keeps one window's order ids (about
#: 100 bytes each) to yield each order once, so this bounds its memory too.
MAX_WINDOW_ORDERS = 1_000_000

#: How often a window whose distinct orders fall short of its total is read again.
_MAX_REREADS = 3

_BATCHGET = _ENDPOINT.path
_MAX_PAGE = _PAGING.max_count

_UNIX_TIME = unix_time()

#: Narrowing a failing page: this many failed reads in a row, none succeeding, say the error
#: is about the call, not about an order (one bad order in a page of 100 takes at most 8).
_MAX_BLIND_READS = 16

#: Errors about the call as a whole: no narrower read can succeed where these failed.
_CALL_ERRORS = (AccessTokenError, ConfigurationError, PermissionDeniedError, QuotaExceededError)


def _may_be_one_order(exc: BaseException) -> bool:
    """WeChat fails a whole batchget page over one order it cannot read (seen: errmsg
    "接收者的openid不能为空" for an order neither given nor received): any errcode not about the
    call, -1 included once the client's retries are spent."""
    return isinstance(exc, APIError) and not isinstance(exc, _CALL_ERRORS)


@attrs.frozen
class UnreadOrder:
    """An order WeChat would not serve: every page holding it failed, while the orders around
    it were read. Where it sits (its 0-based ``offset`` among the window's orders in
    ``sort_type`` order, when it was read) and what WeChat said; its id is unknown."""

    #: the window's index in the sync, and its bounds (Unix seconds, inclusive)
    window: int
    begin_time: int
    end_time: int
    sort_type: str
    offset: int
    errcode: int
    errmsg: str
    rid: str | None = None

    def __str__(self) -> str:
        where = f"order {self.offset} of {self.begin_time}..{self.end_time} ({self.sort_type})"
        return f"{where}: [errcode {self.errcode}] {self.errmsg}"

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> UnreadOrder:
        """The inverse of ``to_dict``; ValueError on anything else."""
        fields = attrs.fields_dict(cls)
        if not isinstance(data, dict) or not set(fields) - {"rid"} <= set(data) <= set(fields):
            raise ValueError(f"not an UnreadOrder: {data!r}")
        for name, value in data.items():
            wanted: tuple[type, ...] = (str,) if name in ("sort_type", "errmsg") else (int,)
            if name == "rid":
                wanted = (str, type(None))
            if type(value) not in wanted or (
                type(value) is int and value < 0 and name != "errcode"
            ):
                raise ValueError(f"UnreadOrder.{name} is not a value a sync writes: {value!r}")
        return cls(**data)


@attrs.frozen
class SyncCheckpoint:
    """Where a sync stands: window index, page offset in it, and how many orders of that page
    were already handed out. JSON-ready through ``to_dict``/``from_dict``.

    A resume reads the pages after this point as they are then: orders created in the part of
    a window already read before the checkpoint are not picked up (a sync returns the orders
    that existed when it read each page). A checkpoint taken inside a window whose total
    changed while it was read, before a re-read settled it, points to that window's start:
    its offsets no longer name the same orders, so the resume may repeat orders, never skip one.

    ``carried`` holds ``(create_time, order_id)`` of the orders already handed out on the
    seconds the checkpoint's window shares with its neighbours: an order created on such a
    second is served by both windows, and the resume must know it went out, wherever the
    pages before the checkpoint ended.

    >>> SyncCheckpoint.from_dict(sync.checkpoint.to_dict())  # doctest: +SKIP
    """

    begin_time: int
    end_time: int
    sort_type: str
    page_size: int
    window: int = 0
    offset: int = 0
    skip: int = 0
    carried: tuple[tuple[int, str], ...] = ()
    #: orders before this point that WeChat would not serve: reported again at the end
    unread: tuple[UnreadOrder, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncCheckpoint:
        """The inverse of ``to_dict``; ValueError on anything else (e.g. a damaged file)."""
        fields = attrs.fields_dict(cls)
        if not isinstance(data, dict) or not set(data) <= set(fields):
            raise ValueError(f"not a SyncCheckpoint: {data!r}")
        values = dict(data)
        for name, value in data.items():
            if name == "carried":
                values[name] = _carried_from(value)
                continue
            if name == "unread":
                if not isinstance(value, (list, tuple)):
                    raise ValueError(f"SyncCheckpoint.unread must be a list: {value!r}")
                values[name] = tuple(UnreadOrder.from_dict(u) for u in value)
                continue
            wanted = str if name == "sort_type" else int
            if type(value) is not wanted:
                raise ValueError(f"SyncCheckpoint.{name} must be {wanted.__name__}: {value!r}")
        try:
            checkpoint = cls(**values)
        except TypeError as exc:  # a field missing
            raise ValueError(f"not a SyncCheckpoint: {exc}") from None
        problems = checkpoint._problems()
        if problems:
            raise ValueError("; ".join(f"SyncCheckpoint.{p}" for p in problems))
        return checkpoint

    def _problems(self) -> list[FieldError]:
        """Values no sync can have written (the window count is checked by the sync)."""
        problems = []
        for name in ("begin_time", "end_time"):
            problem = _UNIX_TIME(getattr(self, name))
            if problem is not None:
                problems.append(FieldError(name, problem))
        if self.end_time < self.begin_time:
            problems.append(FieldError("end_time", "must not be before begin_time"))
        if self.sort_type not in ("ASC", "DESC"):
            problems.append(FieldError("sort_type", f"must be 'ASC' or 'DESC': {self.sort_type!r}"))
        if not 1 <= self.page_size <= _MAX_PAGE:
            problems.append(
                FieldError("page_size", f"must be 1..{_MAX_PAGE}, got {self.page_size}")
            )
        for name in ("window", "offset"):
            if getattr(self, name) < 0:
                problems.append(FieldError(name, f"must be >= 0, got {getattr(self, name)}"))
        if not 0 <= self.skip <= max(self.page_size, 0):
            problems.append(FieldError("skip", f"must be 0..page_size, got {self.skip}"))
        return problems


def _carried_from(value: object) -> tuple[tuple[int, str], ...]:
    """``carried`` as JSON gives it back: a list of ``[create_time, order_id]`` pairs."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"SyncCheckpoint.carried must be a list: {value!r}")
    pairs = []
    for pair in value:
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not _is_int(pair[0])
            or not isinstance(pair[1], str)
        ):
            raise ValueError(f"SyncCheckpoint.carried holds [create_time, order_id]: {pair!r}")
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


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
    #: orders passed over because WeChat would not serve them (``OrderSync.unread``)
    orders_unread: int = 0


def split_windows(begin_time: int, end_time: int) -> list[tuple[int, int]]:
    """Consecutive windows of at most 31 days covering ``[begin_time, end_time]``.

    Neighbouring windows share their boundary second (WeChat's bounds are inclusive, and an
    order created on that second must not fall between two windows); the sync drops the
    repeat.
    """
    windows = _Windows(begin_time, end_time, descending=False)
    return [windows[i] for i in range(len(windows))]


@attrs.frozen
class _Windows:
    """The windows of ``[begin, end]`` in reading order (DESC: the newest first), each
    computed when asked for: a range of decades is a few numbers, not a list."""

    begin: int
    end: int
    descending: bool

    def __len__(self) -> int:
        return max(1, -(-(self.end - self.begin) // MAX_ORDER_WINDOW))

    def __getitem__(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        if self.descending:
            index = len(self) - 1 - index
        start = self.begin + index * MAX_ORDER_WINDOW
        return start, min(start + MAX_ORDER_WINDOW, self.end)

    def shared(self, index: int) -> int | None:
        """The second window ``index`` shares with the window read after it."""
        if not 0 <= index < len(self) - 1:
            return None
        begin, end = self[index]
        return begin if self.descending else end

    def edges(self, index: int) -> tuple[int, ...]:
        """The seconds window ``index`` shares with the windows read before and after it."""
        return tuple(s for s in (self.shared(index - 1), self.shared(index)) if s is not None)


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
            value = datetime_to_unix(value)
        except ValueError as exc:
            errors.append(FieldError(name, str(exc)))
            return 0
    if isinstance(value, int) and not isinstance(value, bool):
        problem = _UNIX_TIME(value)
        if problem is None:
            return value
        errors.append(FieldError(name, problem))
    else:
        errors.append(FieldError(name, f"must be Unix seconds or an aware datetime: {value!r}"))
    return 0


def _checkpoint_problems(
    checkpoint: SyncCheckpoint, windows: _Windows, sort_type: str, size: int, max_total: int
) -> list[FieldError]:
    if (checkpoint.begin_time, checkpoint.end_time, checkpoint.sort_type, checkpoint.page_size) != (
        windows.begin,
        windows.end,
        sort_type,
        size,
    ):
        return [FieldError("checkpoint", "was made for another range or page size")]
    problems = [attrs.evolve(p, path=f"checkpoint.{p.path}") for p in checkpoint._problems()]
    if checkpoint.window > len(windows):
        problems.append(
            FieldError("checkpoint.window", f"must be 0..{len(windows)}, got {checkpoint.window}")
        )
    elif checkpoint.window == len(windows) and (checkpoint.offset or checkpoint.skip):
        problems.append(FieldError("checkpoint.offset", "a finished sync has no page position"))
    if checkpoint.offset > max_total:
        problems.append(
            FieldError("checkpoint.offset", f"beyond the {max_total} orders a window may hold")
        )
    return problems


@attrs.define(eq=False)
class _Window:
    """One window's exactly-once state, alive while its pages are read."""

    index: int
    begin: int
    end: int
    #: the seconds it shares with its neighbours
    edges: tuple[int, ...] = ()
    #: the second it shares with the window read after it
    shared: int | None = None
    #: orders before the resume offset: handed out before the checkpoint, ids unknown
    base: int = 0
    #: the largest ``total_count`` seen (totals only grow); -1 before the first page
    total: int = -1
    rereads: int = 0
    seen: set[str] = attrs.field(factory=set)
    #: its total grew while it was read: orders may have landed before a page already read
    grew: bool = False
    #: read to the end with every order found
    settled: bool = False
    #: orders WeChat would not serve, by offset (as read by the latest reading from the start)
    unread: dict[int, UnreadOrder] = attrs.field(factory=dict)

    def describe(self) -> str:
        return f"window {self.begin}..{self.end}"

    def unsettled(self) -> bool:
        """Offsets in it no longer name the same orders, and no re-read has closed it yet: a
        resume point inside it must be its start (may repeat orders, never skips one)."""
        return self.grew and not self.settled


def _vanished(window: _Window, offset: int) -> ResponseValidationError:
    return ResponseValidationError(
        _BATCHGET,
        [
            FieldError(
                _PAGING.total,
                f"{window.describe()} claimed {window.total} orders, then its page at offset "
                f"{offset} was empty: orders vanished while it was read",
            )
        ],
    )


def _short(window: _Window, found: int, total: int) -> ResponseValidationError:
    return ResponseValidationError(
        _BATCHGET,
        [
            FieldError(
                _PAGING.total,
                f"{window.describe()}: found {found} of the {total} orders its total_count "
                f"claims, after {_MAX_REREADS} re-reads (the last one page at a time)",
            )
        ],
    )


@attrs.define(eq=False)
class _Run:
    """One reading of a window's pages in order, from offset ``start`` on."""

    window: _Window
    start: int
    next_offset: int
    #: a re-read: stops once it has seen as many distinct orders as the window holds
    reread: bool = False
    #: planned pages not yet processed, in order
    pages: deque[_Page] = attrs.field(factory=deque)
    #: a page at the front of ``pages`` whose fetch is still to start
    patch: _Page | None = None
    #: the total when the run's last page came back short: orders after it are newer
    closed_at: int | None = None
    #: a re-read that found every order: the pages still coming are dropped
    stopped: bool = False
    #: the last re-read: one page at a time, which misses no order that existed when its
    #: first page was served (orders are only added: one can only move to a later offset)
    sequential: bool = False
    #: a sequential run's first total: how many orders it is sure to find
    first_total: int | None = None

    def plannable(self) -> bool:
        if self.patch is not None:
            return True
        if self.stopped or self.closed_at is not None or (self.sequential and self.pages):
            return False
        if self.window.total < 0:  # the first page tells the total: one page until then
            return not self.pages
        return self.next_offset < self.window.total


@attrs.define(eq=False)
class _Page:
    run: _Run
    offset: int
    #: the reply, its orders built when the page is processed (not while it waits its turn)
    reply: Page[Order] | None = None
    #: a narrowed page's orders (read by several calls)
    orders: list[Order] | None = None
    #: the reply's total_count
    total: int = -1
    #: a narrowed page: each order's 1-based position in the page (the others unread)
    slots: list[int] | None = None
    #: a narrowed page: how many positions it covers (fewer than asked: the window's end)
    extent: int | None = None
    unread: list[UnreadOrder] = attrs.field(factory=list)
    error: Exception | None = None
    #: its fetch ended (``reply``, ``orders`` or ``error`` is set)
    finished: bool = False


class _Waiters:
    """Tasks waiting for a change, each woken on its own: ``wake_one`` wakes the one that has
    waited longest (a herd woken for one page costs more than the page)."""

    __slots__ = ("_events",)

    def __init__(self) -> None:
        self._events: deque[anyio.Event] = deque()

    async def wait(self) -> None:
        event = anyio.Event()
        self._events.append(event)
        try:
            await event.wait()
        except BaseException:  # cancelled: not a waiter any more
            if event.is_set():
                self.wake_one()  # woken first: the change goes to the next waiter
            else:
                self._events.remove(event)
            raise

    def wake_one(self) -> None:
        if self._events:
            self._events.popleft().set()

    def wake_all(self) -> None:
        while self._events:
            self._events.popleft().set()


@attrs.define(eq=False)
class _Ready:
    """Orders of one page ready to hand out, and where each sits for the checkpoint."""

    state: _Window
    offset: int
    orders: list[Order]
    #: each order's 1-based index in its page; None when they are the page's orders 1..n
    indexes: list[int] | None
    #: the orders created on a second the window shares, by position (None: there are none)
    on_edges: list[tuple[int, Order]] | None = None
    taken: int = 0

    @property
    def window(self) -> int:
        return self.state.index

    def position(self) -> tuple[int, int, int]:
        """Resume point right after the last order taken (read when the checkpoint is: the
        window may have settled since the order was handed out)."""
        if self.state.unsettled():
            return (self.window, 0, 0)
        taken = self.taken
        index = taken if self.indexes is None else self.indexes[taken - 1]
        return (self.window, self.offset, index)


class _ReadAhead:
    """A sync's fetchers in a task of their own (``async for`` outside ``async with``), from
    ``start()`` until ``stop()``. What a fetch cannot catch (a defect) is kept for the consumer
    to raise."""

    __slots__ = ("_scope", "_sync", "error")

    def __init__(self, sync: OrderSync) -> None:
        self._scope = anyio.CancelScope()
        self._sync = sync
        self.error: Exception | None = None

    def start(self) -> None:
        """Called once the sync holds this reader: its fetchers read while it does, and an
        eager task factory runs them before ``spawn`` returns."""
        sync = self._sync

        async def read() -> None:
            try:
                with self._scope:
                    async with anyio.create_task_group() as fetchers:
                        for _ in range(sync._concurrency):
                            fetchers.start_soon(sync._fetcher, False, self)
            except Exception as exc:  # ``spawn``'s work must not raise
                self.error = exc
                sync._wake_consumer()

        spawn(read, "wechat_async order sync read-ahead")

    def stop(self) -> None:
        # RuntimeError: the event loop is gone, and its tasks with it.
        with contextlib.suppress(RuntimeError):
            self._scope.cancel()


class _Loop:
    """The iterator of one ``async for`` over a sync outside ``async with``: the sync reads
    ahead while a loop holds one. A loop that ends, fails or is left by ``break`` drops its
    iterator; CPython frees it there and then, which stops the reading."""

    __slots__ = ("_sync",)

    def __init__(self, sync: OrderSync) -> None:
        sync._loops += 1
        self._sync = sync

    def __aiter__(self) -> _Loop:
        return self

    def __anext__(self) -> Awaitable[Order]:
        return self._sync.__anext__()

    def __del__(self) -> None:
        sync = self._sync
        sync._loops -= 1
        if not sync._loops:
            sync._stop_reading()


class OrderSync:
    """An async iterator of orders; see ``GiftCardNamespace.iter_orders``.

    Memory: at most about ``3 * concurrency`` pages of orders, plus the ids of the current
    window's orders (the exactly-once check: a page boundary can move by any number of orders
    when orders arrive mid-sync). A window claiming more than ``max_window_orders`` is a
    ``ResponseValidationError``; sync shorter ranges, or raise the bound.

    One iteration per object, by one task at a time (another task asking for an order while
    the first waits for one gets ``SyncInUseError``); after an error, start a new sync from
    ``checkpoint``.

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
        max_window_orders: int = MAX_WINDOW_ORDERS,
    ) -> None:
        errors: list[FieldError] = []
        begin = _as_unix("begin_time", begin_time, errors)
        end = _as_unix("end_time", end_time, errors)
        if not errors and end < begin:
            errors.append(FieldError("end_time", "must not be before begin_time"))
        if not _is_int(concurrency) or concurrency < 1:
            errors.append(FieldError("concurrency", f"must be an int >= 1, got {concurrency!r}"))
        if not _is_int(page_size) or not 1 <= page_size <= _MAX_PAGE:
            errors.append(
                FieldError("page_size", f"must be an int 1..{_MAX_PAGE}, got {page_size!r}")
            )
        if sort_type not in ("ASC", "DESC"):
            errors.append(FieldError("sort_type", f"must be 'ASC' or 'DESC', got {sort_type!r}"))
        if not _is_int(max_window_orders) or max_window_orders < 1:
            errors.append(
                FieldError("max_window_orders", f"must be an int >= 1, got {max_window_orders!r}")
            )
        if errors:
            raise RequestValidationError("iter_orders", errors)
        # DESC reads the newest window first; each window shares one second with the next.
        windows = _Windows(begin, end, descending=sort_type == "DESC")
        if checkpoint is not None:
            errors = _checkpoint_problems(
                checkpoint, windows, sort_type, page_size, max_window_orders
            )
            if errors:
                raise RequestValidationError("iter_orders", errors)
        self._windows = windows
        self._fetch = fetch
        self._concurrency = concurrency
        self._size = page_size
        self._max_total = max_window_orders
        self._on_progress = progress
        self._start = checkpoint or SyncCheckpoint(begin, end, sort_type, page_size)
        self._position = (self._start.window, self._start.offset, self._start.skip)
        #: handed out before the checkpoint on a second its window shares: never again
        self._known = frozenset(order_id for _, order_id in self._start.carried)
        #: orders handed out on the seconds the window being handed out shares, and which
        self._edge_window = self._start.window
        self._edge_orders = {order_id: second for second, order_id in self._start.carried}
        #: unread orders the checkpoint passed, and the windows with unread orders found since
        self._start_unread = {(u.window, u.offset): u for u in self._start.unread}
        self._unread_windows: dict[int, _Window] = {}
        #: the last page of orders fully handed out: the resume point, unless one is under way
        self._done_ready: _Ready | None = None
        self.progress = SyncProgress(
            windows_total=len(windows),
            windows_done=self._start.window,
            orders_unread=len(self._start_unread),
        )
        # Reading: the runs under way in hand-out order (the head is processed first), the
        # next window to open, and the orders processed but not handed out yet.
        self._runs: deque[_Run] = deque()
        self._opened = self._start.window
        self._skip = self._start.skip
        self._ready: deque[_Ready] = deque()
        self._current: _Window | None = None
        self._carried: set[str] = set()
        self._unprocessed = 0  # pages planned and not processed yet
        self._in_flight = 0
        self._failed: BaseException | None = None
        self._reading = False  # a consumer waits in _next_ready
        #: pages whose fetch was stopped before it ended: fetched again first
        self._unfetched: deque[_Page] = deque()
        # read ahead by a task of its own while an ``async for`` loop iterates the sync
        self._loops = 0  # the loops iterating it (``_Loop``)
        self._reader: _ReadAhead | None = None
        # pipelined mode (``async with``)
        self._started = False
        self._closed = False
        self._tg: anyio.abc.TaskGroup | None = None
        #: the fetchers waiting for a page to plan, and the consumer waiting for a fetch to end
        self._idle = _Waiters()
        self._fetch_ended: anyio.Event | None = None

    @property
    def checkpoint(self) -> SyncCheckpoint:
        """Resume point: every order already handed to the consumer counts as done."""
        window, offset, skip = self._resume_point()
        edges = self._windows.edges(window)
        head = self._ready[0] if self._ready else None
        _, edge_orders = self._edges_after(head, self._edge_window, dict(self._edge_orders))
        carried = sorted((t, i) for i, t in edge_orders.items() if t in edges)
        return attrs.evolve(
            self._start,
            window=window,
            offset=offset,
            skip=skip,
            carried=tuple(carried),
            unread=self._passed_unread(window, offset + skip),
        )

    @property
    def unread(self) -> tuple[UnreadOrder, ...]:
        """The orders WeChat would not serve that the sync has gone past (every page holding
        one failed; the orders around it were read). Once iteration ends, the sync raises
        ``UnreadOrdersError`` with them instead of stopping quietly."""
        return self.checkpoint.unread

    def _passed_unread(self, window: int, offset: int) -> tuple[UnreadOrder, ...]:
        """Unread orders before window ``window``'s order ``offset``: those after it are met
        again by a resume."""
        passed = dict(self._start_unread)
        for state in self._unread_windows.values():
            for u in state.unread.values():
                if state.index < window or (state.index == window and u.offset < offset):
                    passed[u.window, u.offset] = u
        return tuple(passed[key] for key in sorted(passed))

    def _resume_point(self) -> tuple[int, int, int]:
        last = self._ready[0] if self._ready else None
        if last is not None and last.taken:
            return last.position()
        return self._done_ready.position() if self._done_ready is not None else self._position

    def __aiter__(self) -> AsyncIterator[Order]:
        # Inside ``async with`` its task group reads ahead; otherwise the loop's iterator
        # owns a task that does, for as long as the loop holds it.
        return self if self._tg is not None else _Loop(self)

    async def __anext__(self) -> Order:
        # Per order only this: the checkpoint's bookkeeping is per page (``_edges_after``).
        ready = self._ready[0] if self._ready else None
        if ready is None or ready.taken == len(ready.orders):
            if self._reading:
                # Two readers would both pop and plan from the same queues.
                raise SyncInUseError(
                    "another task is already reading this sync: one task reads an OrderSync"
                )
            self._reading = True
            try:
                ready = await self._next_ready()
            finally:
                self._reading = False
        taken = ready.taken
        ready.taken = taken + 1
        self.progress.orders_done += 1
        return ready.orders[taken]

    def _edges_after(
        self, ready: _Ready | None, edge_window: int, edge_orders: dict[str, int]
    ) -> tuple[int, dict[str, int]]:
        """The orders handed out on the seconds their window shares (and which window that
        is), once ``ready``'s orders taken so far are counted too (``edge_orders`` is updated)."""
        if ready is None or not ready.taken:
            return edge_window, edge_orders
        window = ready.state
        if window.index != edge_window:
            # the second shared with the window before stays: the resume may start there
            edge_window = window.index
            edge_orders = {i: t for i, t in edge_orders.items() if t in window.edges}
        for position, order in ready.on_edges or ():
            if position < ready.taken:
                assert order.create_time is not None
                edge_orders[order.order_id] = order.create_time
        return edge_window, edge_orders

    def _done_with(self, ready: _Ready) -> None:
        """``ready`` leaves the queue: its orders taken count for the checkpoint for good."""
        self._edge_window, self._edge_orders = self._edges_after(
            ready, self._edge_window, self._edge_orders
        )
        self._done_ready = ready

    async def _next_ready(self) -> _Ready:
        if self._closed:
            raise RuntimeError("this sync's async with block has ended; resume from .checkpoint")
        if self._failed is not None:
            raise RuntimeError(
                f"this sync stopped on {self._failed!r}; pages were lost with it, so resume "
                "with a new iter_orders(..., checkpoint=sync.checkpoint)"
            ) from self._failed
        self._started = True
        if self._ready:
            self._done_with(self._ready.popleft())
        if self._tg is None and self._reader is None and self._loops:
            self._reader = _ReadAhead(self)
            self._reader.start()
        try:
            while not self._ready:
                ahead = self._tg is not None or self._reader is not None
                if not await (self._load_pipelined() if ahead else self._load()):
                    break
        except BaseException as exc:  # cancelled too: the pages in flight are gone
            self._failed = exc
            self._stop_reading()
            raise
        if self._ready:
            return self._ready[0]
        self._stop_reading()
        self._position, self._done_ready = (len(self._windows), 0, 0), None
        unread = self.unread
        if unread:  # never a silent skip
            raise UnreadOrdersError(unread)
        raise StopAsyncIteration

    async def __aenter__(self) -> OrderSync:
        if self._started or self._tg is not None:
            raise RuntimeError("enter the sync's async with block before iterating it, once")
        self._started = True
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        for _ in range(self._concurrency):
            self._tg.start_soon(self._fetcher, False)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        self._closed = True
        # Orders fetched and not handed out are dropped; the checkpoint stays right after the
        # last one that was.
        self._position = self._resume_point()
        if self._ready:
            self._done_with(self._ready[0])
        self._done_ready = None
        self._ready.clear()
        # Done, broken out of, or failed: either way the fetches still running are not needed.
        self._tg.cancel_scope.cancel()
        try:
            return await self._tg.__aexit__(exc_type, exc, tb)
        except BaseException as error:
            # The task group wraps the block's own error: callers catch that error itself.
            if exc is not None and _leaves(error) == [exc]:
                return None
            raise

    # -- planning: which page to fetch next ------------------------------------------------------
    def _plan(self, *, ahead: bool = True) -> _Page | None:
        """The next page to fetch, or None until a total or a run's end is known.

        ``ahead=False`` plans only for the run being handed out (the memory bound is reached
        by pages of later windows; that run must still move on).
        """
        if self._unfetched:  # planned before anything still to plan, so fetched first
            return self._unfetched.popleft()
        for run in self._runs:
            if run.plannable():
                if not ahead and (run is not self._runs[0] or len(run.pages) >= self._concurrency):
                    return None
                if run.patch is not None:
                    page, run.patch = run.patch, None
                    return page
                page = _Page(run, run.next_offset)
                run.next_offset += self._size
                run.pages.append(page)
                self._unprocessed += 1
                return page
        # Every open run is planned as far as its total goes: the next window's first page.
        if not ahead or self._opened >= len(self._windows) or len(self._runs) >= self._concurrency:
            return None
        index = self._opened
        self._opened += 1
        begin, end = self._windows[index]
        offset = self._start.offset if index == self._start.window else 0
        window = _Window(
            index,
            begin,
            end,
            self._windows.edges(index),
            self._windows.shared(index),
            base=offset,
        )
        self._runs.append(_Run(window, offset, offset))
        return self._plan()

    def _exhausted(self) -> bool:
        return not self._runs and self._opened >= len(self._windows)

    # -- fetching ---------------------------------------------------------------------------------
    async def _get(self, page: _Page) -> None:
        window = page.run.window
        try:
            page.reply = await self._read(window, page.offset, self._size)
            page.total = page.reply.total
        except Exception as exc:
            if not _may_be_one_order(exc):
                raise
            await self._narrow(page, exc)

    async def _read(self, window: _Window, offset: int, count: int) -> Page[Order]:
        """One batchget, checked; the window's total follows it."""
        reply = await self._fetch(
            begin_time=window.begin,
            end_time=window.end,
            sort_type=self._start.sort_type,
            **{_PAGING.offset: offset, _PAGING.count: count},
        )
        page = reply if isinstance(reply, Page) else Page.of(reply, _PAGING)
        total, got = page.total, page.count
        problem = None
        if not 0 <= total <= self._max_total:
            problem = (
                f"{total} for {window.describe()}: more than the {self._max_total} orders a "
                "window may hold (max_window_orders); sync shorter ranges or raise it"
            )
        elif got > count:
            problem = f"{got} orders in a page of count={count}"
        elif not got and offset < total:
            problem = f"{total} for {window.describe()}, but its page at offset {offset} is empty"
        if problem is not None:
            raise ResponseValidationError(_BATCHGET, [FieldError(_PAGING.total, problem)])
        if window.total >= 0 and total != window.total:
            # Whichever page came back first, two totals mean orders landed between the pages.
            window.grew = True
        if total > window.total:
            self.progress.orders_total += total - max(window.total, 0)
            window.total = total
        return page

    async def _narrow(self, page: _Page, error: Exception) -> None:
        """The page failed as a whole, maybe over one order WeChat cannot serve: read it again
        in halves, and halves of the halves that fail, down to single orders. Those are the
        unread ones; every other order of the page is read. An error that no narrower read
        escapes is about the call: it is raised as it came."""
        window = page.run.window
        orders: list[Order] = []
        slots: list[int] = []
        unread: list[UnreadOrder] = []
        total = -1
        end: int | None = None  # where the window ended, once a read came back short
        failed_in_a_row = 1
        read_any = False
        todo: list[tuple[int, int]] = []  # (offset, count), the next to read last
        if self._size == 1:
            unread.append(self._unread_order(window, page.offset, error))
        else:
            half = (self._size + 1) // 2
            todo += [(page.offset + half, self._size - half), (page.offset, half)]
        while todo:
            offset, count = todo.pop()
            if end is not None and offset >= end:
                continue
            try:
                reply = await self._read(window, offset, count)
                got, seen_total = reply.items(), reply.total
            except Exception as exc:
                if not _may_be_one_order(exc):
                    raise
                failed_in_a_row += 1
                if failed_in_a_row > _MAX_BLIND_READS:
                    raise error from None
                if count == 1:
                    unread.append(self._unread_order(window, offset, exc))
                else:
                    half = (count + 1) // 2
                    todo += [(offset + half, count - half), (offset, half)]
                continue
            failed_in_a_row, read_any, total = 0, True, max(total, seen_total)
            first = offset - page.offset + 1
            slots += range(first, first + len(got))
            orders += got
            if len(got) < count:
                end = offset + len(got)
        probe = page.offset + self._size
        while not read_any:
            # Every read failed (a page of one, or of unreadable orders only): an order after
            # the page read tells one order's error from an error about the call.
            try:
                total = (await self._read(window, probe, 1)).total
                read_any = True
            except Exception as exc:
                if not _may_be_one_order(exc):
                    raise
                failed_in_a_row += 1
                if failed_in_a_row > _MAX_BLIND_READS:
                    raise error from None
                probe += 1
        page.orders, page.total, page.slots, page.unread = orders, total, slots, unread
        page.extent = self._size if end is None else end - page.offset

    def _unread_order(self, window: _Window, offset: int, exc: Exception) -> UnreadOrder:
        assert isinstance(exc, APIError)
        return UnreadOrder(
            window.index,
            window.begin,
            window.end,
            self._start.sort_type,
            offset,
            exc.errcode,
            exc.errmsg,
            exc.rid,
        )

    async def _load(self) -> bool:
        """``async for`` alone: when nothing is ready, read on with ``concurrency`` requests in
        flight until as many pages as the sync may hold ahead are fetched (or nothing more can
        be planned before these are processed), then process them in order, each as its
        orders are handed out (built then: pages waiting hold no models for the collector to
        scan). Nothing runs between two calls."""
        while not self._ready:
            head = self._head()
            if head is not None and head.finished:
                if head.error is not None:
                    raise head.error
                self._take(head)
                continue
            if self._exhausted():
                return False
            async with anyio.create_task_group() as tg:
                for _ in range(self._concurrency):
                    tg.start_soon(self._fetcher, True)
        return True

    def _head(self) -> _Page | None:
        return self._runs[0].pages[0] if self._runs and self._runs[0].pages else None

    # -- fetching, both modes ---------------------------------------------------------------------
    async def _fetcher(self, until_idle: bool, reader: _ReadAhead | None = None) -> None:
        """One of ``concurrency`` fetchers: plan the next page, fetch it, and on; with nothing
        to plan, wait until the consumer or a fetch changes that. At most ``2 * concurrency``
        pages are planned ahead of the consumer. ``until_idle``: return once nothing is in
        flight and nothing more can be planned (the consumer processes next).

        Long-lived fetchers, not a task per page: a task costs more than planning a page."""
        while self._reader is reader:  # a read-ahead stopped plans nothing more
            page = self._plan(ahead=self._unprocessed < 2 * self._concurrency)
            if page is None:
                if until_idle and not self._in_flight:
                    self._idle.wake_all()  # the others return too
                    return
                await self._idle.wait()
                continue
            # More may be plannable (a total just learned): the next idle fetcher looks.
            self._idle.wake_one()
            self._in_flight += 1
            ended = False
            try:
                await self._get(page)
                ended = True
            except Exception as exc:
                # Raised by the consumer, in its place in the order.
                page.error = exc
                ended = True
            finally:
                self._in_flight -= 1
                # A fetch cancelled leaves its page unfinished: the consumer, woken here before
                # its own cancellation reaches it, must wait again (and be cancelled there),
                # not take a page that has neither orders nor an error. The next fetcher to
                # run (a later loop's, when a loop left stopped this one) fetches it again.
                page.finished = ended
                if not ended:
                    self._unfetched.append(page)
                    self._idle.wake_one()
                # The consumer (pipelined) waits for the head page only.
                if page is self._head():
                    self._wake_consumer()
        self._idle.wake_one()  # what woke this one is for a fetcher still reading

    def _wake_consumer(self) -> None:
        if self._fetch_ended is not None:
            self._fetch_ended.set()

    def _stop_reading(self) -> None:
        """Stop the read-ahead task, if one runs (its fetches in flight are fetched again)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop()

    async def _fetch_end(self) -> None:
        """Wait until the head page's fetch ends (the consumer's only wait)."""
        self._fetch_ended = ended = anyio.Event()
        try:
            await ended.wait()
        finally:
            self._fetch_ended = None

    # -- pipelined mode ---------------------------------------------------------------------------
    async def _load_pipelined(self) -> bool:
        while not self._ready:
            if self._reader is not None and self._reader.error is not None:
                raise self._reader.error
            head = self._head()
            if head is None or not head.finished:
                if head is None and self._exhausted():
                    return False
                # The fetchers plan (and fetch) the head page: wait for it.
                await self._fetch_end()
                continue
            if head.error is not None:
                raise head.error
            self._take(head)
            self._idle.wake_one()  # a page fewer ahead: one more may be planned
        return True

    # -- processing, in order ---------------------------------------------------------------------
    def _take(self, page: _Page) -> None:
        """Hand out the page's orders not seen yet; at the end of a run, decide what is next."""
        orders = page.orders
        if orders is None:
            assert page.reply is not None
            orders = page.reply.items()  # built now: the consumer is about to take them
        page.orders = page.reply = None  # memory stays at the pages in flight
        run = page.run
        run.pages.popleft()
        self._unprocessed -= 1
        window = run.window
        if window is not self._current:
            self._current = window
            window.seen, self._carried = self._carried, set()
        if run.sequential and run.first_total is None:
            run.first_total = page.total
        if not run.stopped:
            self._keep_new(window, page.offset, orders, page.slots)
            if page.unread:
                self._keep_unread(window, page.unread)
            extent = len(orders) if page.extent is None else page.extent
            if extent < self._size:
                self._after_short_page(run, page.offset, extent)
            if run.reread and self._found(window) >= window.total:
                run.stopped = True
        self.progress.pages_done += 1
        if not run.pages and not run.plannable():
            self._finish(run)
        if self._on_progress is not None:
            self._on_progress(self.progress)

    def _keep_new(
        self, window: _Window, offset: int, orders: list[Order], slots: list[int] | None
    ) -> None:
        seen = window.seen
        shared = window.shared
        # Resuming inside this page: its first ``skip`` positions went out before the
        # checkpoint. Their orders still count as seen (one on the shared second must not
        # reappear next window).
        skip, self._skip = self._skip, 0
        if slots is None and not skip and not self._known:
            # The common page: every order new, none twice (set operations, not a loop).
            ids = {order.order_id for order in orders}
            if len(ids) == len(orders) and seen.isdisjoint(ids):
                seen |= ids
                if orders:
                    on_edges = self._hand_out(window, offset, orders, None)
                    for _, order in on_edges if shared is not None else ():
                        if order.create_time == shared:
                            self._carried.add(order.order_id)
                return
        fresh: list[Order] = []
        indexes: list[int] = []
        for index, order in zip(slots or range(1, len(orders) + 1), orders, strict=True):
            order_id = order.order_id
            if order_id not in seen:
                seen.add(order_id)
                if shared is not None and order.create_time == shared:
                    self._carried.add(order_id)
                if index > skip and order_id not in self._known:
                    fresh.append(order)
                    indexes.append(index)
        if fresh:
            # positions 1..n, the common case, need no list
            plain = indexes[-1] == len(indexes)
            self._hand_out(window, offset, fresh, None if plain else indexes)

    def _hand_out(
        self, window: _Window, offset: int, fresh: list[Order], indexes: list[int] | None
    ) -> list[tuple[int, Order]]:
        """Queue new orders for the consumer, noting (and returning) those created on the
        seconds the window shares."""
        edges = window.edges
        on_edges = [(i, order) for i, order in enumerate(fresh) if order.create_time in edges]
        self._ready.append(_Ready(window, offset, fresh, indexes, on_edges or None))
        return on_edges

    def _keep_unread(self, window: _Window, unread: list[UnreadOrder]) -> None:
        for u in unread:
            window.unread[u.offset] = u
        self._unread_windows[window.index] = window
        keys = set(self._start_unread)
        keys.update((w.index, o) for w in self._unread_windows.values() for o in w.unread)
        self.progress.orders_unread = len(keys)

    def _after_short_page(self, run: _Run, offset: int, count: int) -> None:
        """A page with fewer orders than asked held the window's end when it was served."""
        end = offset + count
        if not run.pages and run.next_offset == offset + self._size:
            # The last page planned: the run has read the window as it was then. Orders
            # created since are for the next sync (chasing them need never end).
            run.closed_at = end
        elif end < run.window.total:
            # Pages after it were planned from a total served later: read what follows it.
            if not count:
                raise _vanished(run.window, offset)
            run.patch = _Page(run, end)
            run.pages.appendleft(run.patch)
            self._unprocessed += 1
        # Else it reached the largest total yet (orders were appended while the window was
        # read): the pages still queued were planned below that end and are read as they came.

    def _finish(self, run: _Run) -> None:
        """A run has read its window: read on, read it again, or close it.

        Every order read was in the window when the last page completed, and that page's
        total is ``window.total`` (totals only grow): as many distinct orders as that total
        means none is missing.
        """
        self._runs.popleft()
        window = run.window
        if run.stopped:
            self._settle(window)
        elif run.closed_at is not None and run.closed_at < window.total:
            # A page served after the last one said more orders arrived: read on from there.
            if run.closed_at <= run.start:  # and this run read on from there already
                raise _vanished(window, run.closed_at)
            self._runs.appendleft(
                attrs.evolve(
                    run,
                    start=run.closed_at,
                    next_offset=run.closed_at,
                    closed_at=None,
                    pages=deque(),
                )
            )
        elif self._found(window) >= window.total:
            self._settle(window)
        elif run.sequential:
            # Read one page after another: every order that existed when its first page was
            # served was met. Orders created while it read are left to the next sync; fewer
            # than that first total means orders the window claims were never served.
            assert run.first_total is not None
            if self._found(window) < run.first_total:
                raise _short(window, self._found(window), run.first_total)
            self._settle(window)
        else:
            # Orders landed before what was read (pages shifted): read it again from the start,
            # until every order is found; the last time one page at a time. A re-read meets
            # the orders before a resume point again: it counts them as it finds them.
            window.rereads += 1
            window.base = 0
            # it meets its unread orders again, where they are now
            window.unread.clear()
            for key in [k for k in self._start_unread if k[0] == window.index]:
                del self._start_unread[key]
            last = window.rereads == _MAX_REREADS
            self._runs.appendleft(_Run(window, 0, 0, reread=True, sequential=last))

    @staticmethod
    def _found(window: _Window) -> int:
        return window.base + len(window.seen) + len(window.unread)

    def _settle(self, window: _Window) -> None:
        window.settled = True
        self.progress.windows_done += 1
