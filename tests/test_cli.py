"""The wechat-async command: the order sync, against the built-in fake server."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from wechat_async.cli import _Reporter, main
from wechat_async.giftcard import SyncProgress


def _sync(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["orders", "sync", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_sync_from_fake_server_writes_every_order_once(tmp_path: Path) -> None:
    out = tmp_path / "orders.jsonl"
    code, output = _sync("--fake", "1500", "--out", str(out), "--concurrency", "8")
    assert code == 0, output
    lines = out.read_text(encoding="utf-8").splitlines()
    orders = [json.loads(line) for line in lines]
    assert len({o["order_id"] for o in orders}) == len(orders) == 1500
    assert all(isinstance(o["IsChatRoom"], bool) for o in orders)
    assert "synced 1500 orders" in output


def test_checkpoint_makes_a_second_run_a_no_op(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    args = ("--fake", "700", "--out", str(out), "--checkpoint", str(checkpoint))
    assert _sync(*args)[0] == 0
    state = json.loads(checkpoint.read_text())
    assert state["sync"]["window"] == 4  # all four windows of the fake's 100 days done
    assert state["out_bytes"] == out.stat().st_size
    code, output = _sync(*args)
    assert code == 0, output
    assert "synced 0 orders" in output
    assert len(out.read_text().splitlines()) == 700


def test_real_mode_needs_credentials_and_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    monkeypatch.delenv("WECHAT_SECRET", raising=False)
    code, output = _sync("--out", str(tmp_path / "o.jsonl"))
    assert code == 2
    assert "--appid" in output
    code, output = _sync("--appid", "wx1", "--secret", "s", "--out", str(tmp_path / "o.jsonl"))
    assert code == 2
    assert "--begin" in output


def test_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _sync(
        "--appid",
        "wx1",
        "--secret",
        "s",
        "--begin",
        "last tuesday",
        "--end",
        "2026-01-02",
        "--out",
        str(tmp_path / "o.jsonl"),
    )
    assert code == 2
    assert "YYYY-MM-DD" in output


def test_failure_message_never_shows_the_secret(tmp_path: Path) -> None:
    secret = "super-secret-value-123"
    code, output = _sync(
        "--appid",
        "wx1",
        "--secret",
        secret,
        "--base-url",
        "http://127.0.0.1:9",
        "--begin",
        "2026-01-01",
        "--end",
        "2026-01-02",
        "--out",
        str(tmp_path / "o.jsonl"),
    )
    assert code == 1
    assert "Error" in output
    assert secret not in output


def test_progress_is_plain_lines_without_a_terminal(tmp_path: Path) -> None:
    code, output = _sync("--fake", "900", "--out", str(tmp_path / "o.jsonl"))
    assert code == 0, output
    lines = [line for line in output.splitlines() if line.startswith("windows ")]
    assert lines[-1].startswith("windows 4/4")
    assert "\x1b[" not in output  # no terminal escape codes in logs


def _fake_in_subprocess() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wechat_async.testing", "--orders", "600"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        yield proc, proc.stdout.readline().split()[1:]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.fixture
def fake_server() -> Iterator[list[str]]:
    """base_url, appid, secret of a fake WeChat in another process (the CLI runs its own loop)."""
    for _, details in _fake_in_subprocess():
        yield details


def test_real_mode_syncs_from_a_server_and_never_prints_the_secret(
    tmp_path: Path, fake_server: list[str]
) -> None:
    base_url, appid, secret = fake_server
    out = tmp_path / "o.jsonl"
    common = ["--appid", appid, "--base-url", base_url, "--out", str(out)]
    # China time (UTC+8): 08:00 on 2026-01-01 is the fake's first order (00:00 UTC)
    dates = ["--begin", "2026-01-01T08:00", "--end", "2026-04-12"]
    code, output = _sync(*common, "--secret", secret, *dates)
    assert code == 0, output
    assert len(out.read_text().splitlines()) == 600
    assert secret not in output
    code, output = _sync(*common, "--secret", "wrong-secret-456", *dates)
    assert code == 1
    assert "40125" in output
    assert "wrong-secret-456" not in output


def test_unreadable_checkpoint_is_an_error_not_a_fresh_start(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "o.jsonl", tmp_path / "sync.json"
    out.write_text('{"order_id": "kept"}\n')
    checkpoint.write_text('{"window": 1}')
    code, output = _sync("--fake", "50", "--out", str(out), "--checkpoint", str(checkpoint))
    assert code == 1
    assert "not a checkpoint" in output
    assert out.read_text() == '{"order_id": "kept"}\n'  # nothing overwritten


def test_killed_mid_sync_then_resumed_writes_every_order_once(tmp_path: Path) -> None:
    out, checkpoint = tmp_path / "orders.jsonl", tmp_path / "sync.json"
    args = ["--fake", "6000", "--out", str(out), "--checkpoint", str(checkpoint)]
    # Slow enough (5 ms a page, one at a time) to be killed after a periodic checkpoint.
    slow = ["--latency", "0.005", "--concurrency", "1"]
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "wechat_async.cli", "orders", "sync", *args, *slow],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not checkpoint.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # more orders written after the checkpoint: they must not repeat
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    saved = json.loads(checkpoint.read_text())
    assert 0 < saved["out_bytes"] < out.stat().st_size  # killed between two checkpoints
    code, output = _sync(*args)
    assert code == 0, output
    ids = [json.loads(line)["order_id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 6000


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_a_rich_bar_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    reporter = _Reporter()
    reporter.update(SyncProgress(windows_total=2, pages_done=3, orders_done=250, orders_total=1000))
    reporter.close()
    drawn = terminal.getvalue()
    assert "25%" in drawn  # 250 of 1000
    assert "\x1b[" in drawn  # drawn as a live bar, not plain lines
    assert "windows " not in drawn
