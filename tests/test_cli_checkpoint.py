"""``orders sync --checkpoint``: a checkpoint belongs to one sync (appid, range, sort, output)
and holds only values a sync can write; anything else is a one-line usage error, OUT untouched."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.emulated import served, sync_from
from tests.emulated import sync_command as _sync
from wechat_async.testing import Emulator


def _real(wx: Emulator, out: Path, checkpoint: Path, *extra: str) -> tuple[int, str]:
    return sync_from(wx, out, "--checkpoint", str(checkpoint), *extra)


def _one_usage_line(code: int, output: str) -> str:
    assert code == 2, output
    lines = [line for line in output.splitlines() if not line.startswith("emulator with")]
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    return lines[0]


def test_another_appid_cannot_resume_from_a_checkpoint(tmp_path: Path) -> None:
    """Issue 15 item 1: appid B resuming from appid A's finished checkpoint wrote 0 of its
    3,000 orders and exited 0."""
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    with served(orders=600, appid="wxaccounta000001") as wx:
        assert _real(wx, out, checkpoint)[0] == 0
    written = out.read_bytes()
    with served(orders=3000, appid="wxaccountb000002") as wx:
        line = _one_usage_line(*_real(wx, out, checkpoint))
    assert "appid 'wxaccounta000001', not 'wxaccountb000002'" in line
    assert out.read_bytes() == written  # nothing truncated, nothing appended


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (["--sort", "DESC"], "sort"),
        (["--end", "1775000000"], "end"),
    ],
)
def test_another_range_or_sort_cannot_resume_from_a_checkpoint(
    tmp_path: Path, change: list[str], named: str
) -> None:
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    with served(orders=300) as wx:
        assert _real(wx, out, checkpoint)[0] == 0
        line = _one_usage_line(*_real(wx, out, checkpoint, *change))
    assert f"with --{named} " in line


def test_another_out_cannot_resume_from_a_checkpoint(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    assert _sync("--emulator", "300", "--out", str(out), "--checkpoint", str(checkpoint))[0] == 0
    other = tmp_path / "other.jsonl"
    other.write_text("kept\n")
    code, output = _sync("--emulator", "300", "--out", str(other), "--checkpoint", str(checkpoint))
    assert str(out) in _one_usage_line(code, output)
    assert other.read_text() == "kept\n"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".sqlite"])
def test_an_output_shorter_than_its_checkpoint_says_so(tmp_path: Path, suffix: str) -> None:
    """Issue 15 item 1: an output shortened between runs was padded with NUL bytes and the
    orders it had lost were never written again."""
    out, checkpoint = tmp_path / f"orders{suffix}", tmp_path / "sync.json"
    args = ["--emulator", "1000", "--out", str(out), "--checkpoint", str(checkpoint)]
    assert _sync(*args)[0] == 0
    if suffix == ".sqlite":
        with sqlite3.connect(out) as db:
            db.execute("DELETE FROM orders WHERE rowid % 2 = 0")
        unit = "orders"
    else:
        out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
        unit = "bytes"
    before = out.read_bytes()
    line = _one_usage_line(*_sync(*args))
    assert f"{out} holds" in line
    assert f"{unit}, fewer than the" in line
    assert out.read_bytes() == before
    if suffix != ".sqlite":
        assert b"\x00" not in before


def _finished(tmp_path: Path) -> tuple[list[str], Path, dict[str, Any]]:
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    args = ["--emulator", "1000", "--out", str(out), "--checkpoint", str(checkpoint)]
    assert _sync(*args)[0] == 0
    return args, checkpoint, json.loads(checkpoint.read_text())


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        ("sync.window", -1, "window"),
        ("sync.window", 99, "window"),
        ("sync.offset", -100, "offset"),
        ("sync.skip", 101, "skip"),
        ("sync.page_size", 0, "page_size"),
        ("sync.carried", [["x", 1]], "carried"),
        ("out_size", -1, "out_size"),
        ("out_size", True, "out_size"),
        ("appid", None, "appid"),
    ],
)
def test_a_checkpoint_value_no_sync_writes_is_refused(
    tmp_path: Path, where: str, value: object, named: str
) -> None:
    """Issue 15 item 1: a checkpoint with window=-1 produced 1,070 rows for 1,000 orders."""
    args, checkpoint, state = _finished(tmp_path)
    out = tmp_path / "orders.jsonl"
    before = out.read_bytes()
    *parents, key = where.split(".")
    holder = state
    for parent in parents:
        holder = holder[parent]
    if value is None:
        del holder[key]
    else:
        holder[key] = value
    checkpoint.write_text(json.dumps(state))
    line = _one_usage_line(*_sync(*args))
    assert named in line
    assert out.read_bytes() == before
