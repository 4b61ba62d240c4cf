"""Where synced orders go, by the output's extension: JSON lines, CSV or SQLite.

Each sink can say how far it got (``position``), make that durable (``flush``), and cut back
to a saved position on resume (``open(..., resume_at=...)``), so a killed sync re-run writes
every order exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .._json import dumps

__all__ = ["Sink", "open_sink"]

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
    """JSON lines, or CSV: bytes appended to a file; resume truncates to the saved size."""

    def __init__(self, path: Path, resume_at: int | None, *, as_csv: bool) -> None:
        self._as_csv = as_csv
        self._file: BinaryIO
        if resume_at is None:
            self._file = path.open("wb")
            if as_csv:
                self._file.write(self._row(list(_CSV_COLUMNS)))
        else:
            self._file = path.open("r+b")
            self._file.truncate(resume_at)
            self._file.seek(resume_at)

    @staticmethod
    def _row(values: list[Any]) -> bytes:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(values)
        return text.getvalue().encode("utf-8")

    def write(self, order: dict[str, Any]) -> None:
        if not self._as_csv:
            self._file.write(dumps(order) + b"\n")
            return
        row = [order.get(c) for c in _CSV_COLUMNS[:-2]]
        row[3] = order.get("total_price")
        row += [order.get("IsChatRoom"), json.dumps(order.get("card_list", []), ensure_ascii=False)]
        self._file.write(self._row(["" if v is None else v for v in row]))

    def position(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


class _Sqlite:
    """A table keyed by order_id: a re-read order replaces itself, so resume needs no cut."""

    def __init__(self, path: Path, resume_at: int | None) -> None:
        self._db = sqlite3.connect(path)
        if resume_at is None:
            self._db.execute("DROP TABLE IF EXISTS orders")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, create_time INTEGER,"
            " total_price_fen INTEGER, open_id TEXT, order_json TEXT NOT NULL)"
        )
        self._db.commit()

    def write(self, order: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?)",
            (
                order.get("order_id"),
                order.get("create_time"),
                order.get("total_price"),
                order.get("open_id"),
                json.dumps(order, ensure_ascii=False),
            ),
        )

    def position(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM orders").fetchone()
        return int(count)

    def flush(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()


def open_sink(path: Path, resume_at: int | None = None) -> Sink:
    """The sink for ``path``'s extension (``.csv``, ``.sqlite``/``.db``, else JSON lines).
    Raises OSError (and sqlite3.Error) when it cannot be written."""
    suffix = path.suffix.lower()
    if suffix in (".sqlite", ".sqlite3", ".db"):
        try:
            return _Sqlite(path, resume_at)
        except sqlite3.Error as exc:
            raise OSError(f"{path}: {exc}") from None
    return _Lines(path, resume_at, as_csv=suffix == ".csv")
