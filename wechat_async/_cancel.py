"""Cancelling an asyncio task from outside, the way an anyio cancel scope would, without the
scope: a push's handler runs in its request's task with none of its own (an anyio scope costs
a push as much as reading its XML), and is cancelled only when it overruns.

anyio keeps which of its cancel scopes a task is in (and which are shielded) in its asyncio
backend; that is read here, and only when a cancellation is due. Where it cannot be read (an
anyio that keeps it otherwise) ``current_task`` answers None and callers enter a real scope.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import anyio

__all__ = ["UNSHIELDED", "current_task", "deliverable", "enclosing_scope", "shielded"]

try:
    from anyio._backends._asyncio import CancelScope as _Scope
    from anyio._backends._asyncio import TaskState as _State
    from anyio._backends._asyncio import _task_states

    _READABLE = {"cancel_scope"} <= set(_State.__slots__) and {"_parent_scope", "_shield"} <= set(
        _Scope.__slots__
    )
except (ImportError, AttributeError):  # pragma: no cover - depends on the anyio installed
    _READABLE = False


def current_task(loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Task[Any] | None:
    """The running asyncio task (of ``loop``, the running loop, when the caller has it), when
    this module can cancel it (else None: trio, or an anyio whose scopes it cannot read)."""
    if not _READABLE:
        return None
    if loop is None:
        loop = asyncio._get_running_loop()  # each call asks the OS for the process id
        if loop is None:
            return None
    return asyncio.current_task(loop)


def enclosing_scope(task: asyncio.Task[Any]) -> object | None:
    """The anyio cancel scope ``task`` is in now (None: none)."""
    state = _task_states.get(task)
    return None if state is None else state.cancel_scope


def deliverable(task: asyncio.Task[Any], since: object | None) -> bool:
    """Whether ``task.cancel()`` now raises in ``task`` what an anyio scope entered at
    ``since`` would: the task waits on a future not yet done (a result it was given is never
    lost), and no anyio scope it entered since then is shielded."""
    if task.done() or getattr(task, "_must_cancel", False):
        return False  # over, or a cancellation is on its way already
    waiter = getattr(task, "_fut_waiter", None)  # what anyio's own delivery looks at
    if waiter is not None and waiter.done():
        return False  # woken already: try again once it waits
    scope = enclosing_scope(task)
    while scope is not None and scope is not since:
        if scope.shield:  # type: ignore[attr-defined]
            return False
        scope = scope._parent_scope  # type: ignore[attr-defined]
    return True


UNSHIELDED = contextlib.nullcontext()


def shielded(task: asyncio.Task[Any] | None = None) -> contextlib.AbstractContextManager[object]:
    """A shield from outer anyio cancellation, entered only where one could come: an asyncio
    task in no anyio scope can be cancelled by none (and no anyio shield stops a native
    ``Task.cancel()``), so it needs no scope. ``task``: the running one, if the caller has it
    from ``current_task``."""
    if task is None:
        task = current_task()
    if task is not None and enclosing_scope(task) is None:
        return UNSHIELDED
    return anyio.CancelScope(shield=True)
