"""What ``orders sync`` writes: cells a spreadsheet would run are defused, and an output that
cannot be written (a full disk) is one line, with nothing lost on resume."""

from __future__ import annotations

import csv
import errno
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.emulated import served, sync_command, sync_from
from wechat_async.cli import _orders
from wechat_async.giftcard import split_windows

#: OWASP's CSV injection guidance: a cell starting with one of these is a formula to Excel,
#: LibreOffice and Google Sheets
_FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(1)", "\tx", "\rx"]


def test_csv_cells_a_spreadsheet_would_run_are_prefixed_with_a_quote(tmp_path: Path) -> None:
    """Issue 15 item 5: an outer_str of =HYPERLINK(...) became a formula in a spreadsheet."""
    with served(orders=40) as wx:
        orders = sorted(wx.book.orders(), key=lambda o: o["order_id"])
        for order, text in zip(orders, [*_FORMULAS, "web", "a=b", ""], strict=False):
            order["outer_str"] = text
        orders[0]["open_id"] = "-oFAKE"
        out, jsonl = tmp_path / "orders.csv", tmp_path / "orders.jsonl"
        assert sync_from(wx, out)[0] == 0
        assert sync_from(wx, jsonl)[0] == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = {row["order_id"]: row for row in csv.DictReader(f)}
    for order, text in zip(orders, _FORMULAS, strict=False):
        assert rows[order["order_id"]]["outer_str"] == "'" + text
    assert rows[orders[0]["order_id"]]["open_id"] == "'-oFAKE"
    assert [rows[o["order_id"]]["outer_str"] for o in orders[6:9]] == ["web", "a=b", ""]
    assert all(row["total_price_fen"].isdigit() for row in rows.values())
    # JSON lines keep the text as WeChat sent it
    kept = {o["order_id"]: o["outer_str"] for o in map(json.loads, jsonl.read_text().splitlines())}
    assert [kept[o["order_id"]] for o in orders[:6]] == _FORMULAS


class _FullDisk:
    """A sink that fills the disk: ``fail`` raises OSError(ENOSPC) from the ``after``-th call on."""

    def __init__(self, sink: Any, fail: str, after: int) -> None:
        self._sink, self._fail, self._left = sink, fail, after

    def _call(self, name: str, *args: Any) -> Any:
        if name == self._fail:
            self._left -= 1
            if self._left <= 0:
                if name == "close":  # a file's close flushes, fails, and is closed all the same
                    self._sink.close()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return getattr(self._sink, name)(*args)

    def write(self, order: dict[str, Any]) -> None:
        self._call("write", order)

    def flush(self) -> None:
        self._call("flush")

    def position(self) -> int:
        return int(self._call("position"))

    def close(self) -> None:
        self._call("close")


@pytest.mark.parametrize(
    ("suffix", "fail", "after"),
    [
        (".jsonl", "write", 1500),
        (".csv", "write", 2500),
        (".sqlite", "write", 1200),
        (".jsonl", "flush", 2),  # the second checkpoint's flush
        (".csv", "close", 1),
    ],
)
def test_a_full_disk_is_one_line_and_a_resume_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, fail: str, after: int
) -> None:
    """Issue 15 item 17: on a full disk the CLI died with two raw tracebacks."""
    out, checkpoint = tmp_path / f"orders{suffix}", tmp_path / "sync.json"
    args = ["--emulator", "3000", "--out", str(out), "--checkpoint", str(checkpoint)]
    real_open = _orders.open_sink
    with monkeypatch.context() as patched:
        patched.setattr(_orders, "open_sink", lambda *a: _FullDisk(real_open(*a), fail, after))
        code, output = sync_command(*args)
    assert code == 1, output
    assert output.splitlines()[-1] == f"Error: cannot write {out}: No space left on device"
    assert "Traceback" not in output
    code, output = sync_command(*args)  # the disk has room again
    assert code == 0, output
    fresh = tmp_path / f"fresh{suffix}"
    assert sync_command("--emulator", "3000", "--out", str(fresh))[0] == 0
    assert _contents(out) == _contents(fresh)


def _contents(out: Path) -> bytes | list[tuple[object, ...]]:
    if out.suffix == ".sqlite":
        with sqlite3.connect(out) as db:
            return list(db.execute("SELECT * FROM orders ORDER BY order_id"))
    return out.read_bytes()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_writing_to_dev_full_is_one_line() -> None:
    code, output = sync_command("--emulator", "300", "--out", "/dev/full")
    assert code == 1, output
    assert output.splitlines()[-1] == "Error: cannot write /dev/full: No space left on device"
    assert "Traceback" not in output


def test_a_full_sqlite_database_is_one_line_and_a_resume_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite says "database or disk is full" (sqlite3.OperationalError), here by a page cap."""
    out, checkpoint = tmp_path / "orders.sqlite", tmp_path / "sync.json"
    args = ["--emulator", "3000", "--out", str(out), "--checkpoint", str(checkpoint)]
    real_open = _orders.open_sink

    def capped(*a: Any) -> Any:
        sink = real_open(*a)
        sink._db.execute("PRAGMA max_page_count = 400")  # about 1,500 orders
        return sink

    with monkeypatch.context() as patched:
        patched.setattr(_orders, "open_sink", capped)
        code, output = sync_command(*args)
    assert code == 1, output
    assert output.splitlines()[-1] == f"Error: cannot write {out}: database or disk is full"
    assert "Traceback" not in output
    assert sync_command(*args)[0] == 0
    fresh = tmp_path / "fresh.sqlite"
    assert sync_command("--emulator", "3000", "--out", str(fresh))[0] == 0
    assert _contents(out) == _contents(fresh)


def test_unread_orders_are_written_beside_the_output_and_exit_3(tmp_path: Path) -> None:
    """Issue 16 item 6: orders WeChat would not serve are listed next to OUT, every other
    order is written once, and the exit code says the sync is not whole."""
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    beside = tmp_path / "orders.jsonl.unread.jsonl"
    with served(orders=2500) as wx:
        where = []
        windows = split_windows(wx.start_time, wx.end_time)
        for n in (777, 2001):
            wx.book.make_unreadable(f"FAKE{n:08d}")
            created = wx.book.get(f"FAKE{n:08d}")["create_time"]  # type: ignore[index]
            index = next(i for i, (b, e) in enumerate(windows) if b <= created <= e)
            before = wx.book.page(*windows[index], descending=False, offset=0, count=10**6)[1]
            where.append((index, [o["order_id"] for o in before].index(f"FAKE{n:08d}")))
        for _ in range(2):  # the second run resumes from the finished checkpoint
            code, output = sync_from(wx, out, "--checkpoint", str(checkpoint))
            assert code == 3, output
            last = output.splitlines()[-1]
            assert last.startswith("Error: 2 orders could not be read"), output
            assert str(beside) in last
            assert "Traceback" not in output
            ids = [json.loads(line)["order_id"] for line in out.read_text().splitlines()]
            assert sorted(ids) == [f"FAKE{n:08d}" for n in range(2500) if n not in (777, 2001)]
            unread = [json.loads(line) for line in beside.read_text().splitlines()]
            assert [(u["window"], u["offset"]) for u in unread] == where
            assert all(u["errmsg"].startswith("接收者的openid不能为空") for u in unread)
            assert all(u["errcode"] == 40097 and u["rid"] for u in unread)
    with served(orders=100) as wx:  # a whole sync over the same OUT: no stale list beside it
        assert sync_from(wx, out)[0] == 0
    assert not beside.exists()
