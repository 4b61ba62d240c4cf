"""What ``orders sync`` writes: cells a spreadsheet would run are defused, and an output that
cannot be written (a full disk) is one line, with nothing lost on resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.emulated import served, sync_from

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
