"""The wechat-async command: the order sync, against the built-in fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wechat_async.cli import main


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
    assert state["window"] == 4  # all four windows of the fake's 100 days done
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
