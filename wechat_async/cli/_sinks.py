"""Where synced orders go, by the output's extension: JSON lines, CSV or SQLite.

Each sink can say how far it got (``position``), make that durable (``flush``), and cut back
to a saved position on resume (``open(..., resume_at=...)``), so a killed sync re-run writes
every order exactly once.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .._json import dumps

__all__ = ["OutputChangedError", "Sink", "open_sink", "stdout_sink"]

_CSV_COLUMNS = (
    "order_id",
    "create_time",
    "pay_finish_time",
    "total_price_fen",
    "open_id",
    "accepter_openid",
    "page_id",
    "trans_id",
    "outer_str",
    "is_chat_room",
    "cards",
)


#: A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defused(value: Any) -> Any:
    """A text cell that would start a formula, prefixed with ``'``: shown as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class OutputChangedError(Exception):
    """The output holds less than the checkpoint recorded: it was changed since."""

    def __init__(self, path: Path, size: int, saved: int, unit: str) -> None:
        super().__init__(
            f"{path} holds {size:,} {unit}, fewer than the {saved:,} the checkpoint recorded: "
            "it was changed since"
        )


class Sink(Protocol):
    def write(self, order: dict[str, Any]) -> None: ...

    def position(self) -> int:
        """How much is written, in this sink's unit (bytes, rows)."""
        ...

    def flush(self) -> None:
        """Make everything written so far durable."""
        ...

    def close(self) -> None: ...


class _Lines:
    """JSON lines, or CSV: bytes appended to a file; resume truncates to the saved size.

    CSV cells starting with ``= + - @``, a tab or a carriage return get a leading ``'`` (OWASP's
    advice against CSV injection); JSON lines keep every text as WeChat sent it."""

    def __init__(self, path: Path, resume_at: int | None, *, as_csv: bool) -> None:
        self._as_csv = as_csv
        self._file: BinaryIO
        if resume_at is None:
            self._file = path.open("wb")
            if as_csv:
                self._file.write(self._row(list(_CSV_COLUMNS)))
        else:
            self._file = path.open("r+b")
            size = os.fstat(self._file.fileno()).st_size
            if size < resume_at:  # truncate() would pad it with NUL bytes
                self._file.close()
                raise OutputChangedError(path, size, resume_at, "bytes")
            self._file.truncate(resume_at)
            self._file.seek(resume_at)

    @staticmethod
    def _row(values: list[Any]) -> bytes:
        text = io.StringIO()
        # RFC 4180 line ends: a CR inside a cell is then quoted (with "\n" alone it split the row)
        csv.writer(text, lineterminator="\r\n").writerow(values)
        return text.getvalue().encode("utf-8")

    def write(self, order: dict[str, Any]) -> None:
        if not self._as_csv:
            self._file.write(dumps(order) + b"\n")
            return
        row = [order.get(c) for c in _CSV_COLUMNS[:-2]]
        row[3] = order.get("total_price")
        row += [order.get("IsChatRoom"), json.dumps(order.get("card_list", []), ensure_ascii=False)]
        # Buyers choose some of this text (outer_str...): it must not run in a spreadsheet.
        self._file.write(self._row(["" if v is None else _defused(v) for v in row]))

    def position(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


class _Stream:
    """JSON lines on a stream that cannot be cut back (stdout, ``--out -``): no resume, so
    ``position`` only counts bytes, and closing leaves the stream open."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._size = 0

    def write(self, order: dict[str, Any]) -> None:
        line = dumps(order) + b"\n"
        self._stream.write(line)
        self._size += len(line)

    def position(self) -> int:
        return self._size

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._stream.flush()


def stdout_sink(stream: BinaryIO) -> Sink:
    """JSON lines on ``stream`` (stdout), left open when done."""
    return _Stream(stream)


@contextlib.contextmanager
def _as_os_error() -> Iterator[None]:
    """SQLite's failures ("database or disk is full"...) as the OSError every sink raises."""
    try:
        yield
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from None


class _Sqlite:
    """A table keyed by order_id: a re-read order replaces itself, so resume needs no cut."""

    def __init__(self, path: Path, resume_at: int | None) -> None:
        with _as_os_error():
            self._open(path, resume_at)

    def _open(self, path: Path, resume_at: int | None) -> None:
        self._db = sqlite3.connect(path)
        if resume_at is None:
            self._db.execute("DROP TABLE IF EXISTS orders")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, create_time INTEGER,"
            " total_price_fen INTEGER, open_id TEXT, order_json TEXT NOT NULL)"
        )
        self._db.commit()
        if resume_at is not None and (rows := self.position()) < resume_at:
            self._db.close()
            raise OutputChangedError(path, rows, resume_at, "orders")

    def write(self, order: dict[str, Any]) -> None:
        row = (
            order.get("order_id"),
            order.get("create_time"),
            order.get("total_price"),
            order.get("open_id"),
            json.dumps(order, ensure_ascii=False),
        )
        with _as_os_error():
            self._db.execute("INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?)", row)

    def position(self) -> int:
        with _as_os_error():
            (count,) = self._db.execute("SELECT count(*) FROM orders").fetchone()
        return int(count)

    def flush(self) -> None:
        with _as_os_error():
            self._db.commit()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._db.close()


def open_sink(path: Path, resume_at: int | None = None) -> Sink:
    """The sink for ``path``'s extension (``.csv``, ``.sqlite``/``.db``, else JSON lines).
    Raises OSError when it cannot be written, OutputChangedError when it holds less than
    ``resume_at``."""
    suffix = path.suffix.lower()
    if suffix in (".sqlite", ".sqlite3", ".db"):
        return _Sqlite(path, resume_at)
    return _Lines(path, resume_at, as_csv=suffix == ".csv")
