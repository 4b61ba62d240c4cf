"""docs/wire-notes.md audits every public endpoint and helper (the list of the public surface
is copied here so the test does not depend on anything outside the repository)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wechat_async.cityservice import CityServiceNamespace
from wechat_async.delivery import DeliveryNamespace
from wechat_async.giftcard import GiftCardNamespace
from wechat_async.invoice import InvoiceNamespace

NOTES = Path(__file__).parent.parent / "docs" / "wire-notes.md"

#: The public surface, per namespace: every endpoint and helper users call.
SURFACE = {
    "cityservice": ["send_msg_data"],
    "giftcard": [
        "upload_image",
        "create_card",
        "add_page",
        "get_page",
        "update_page",
        "list_pages",
        "set_maintain",
        "add_pay_whitelist",
        "bind_submch",
        "set_wxa",
        "get_order",
        "batch_get_orders",
        "iter_orders",
        "refund_order",
        "update_user_card",
        "consume_code",
        "get_code",
        "decrypt_code",
        "shelf_url",
        "parse_jump",
    ],
    "invoice": ["set_pay_mch", "get_pay_mch", "set_auth_field", "get_auth_field", "get_auth_data"],
    "delivery": [
        "get_all_delivery",
        "get_bind_account",
        "open",
        "bind_account",
        "pre_add_order",
        "add_order",
        "re_add_order",
        "add_tips",
        "get_order",
        "pre_cancel_order",
        "cancel_order",
        "confirm_return",
        "mock_update_order",
        "real_mock_update_order",
        "delivery_sign",
    ],
}

NAMESPACES = {
    "cityservice": CityServiceNamespace,
    "giftcard": GiftCardNamespace,
    "invoice": InvoiceNamespace,
    "delivery": DeliveryNamespace,
}


def _rows_by_section() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    section = ""
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            rows[section] = []
        match = re.match(r"\|\s*`(\w+)`", line)
        if match and section:
            rows[section].append(match.group(1))
    return rows


@pytest.mark.parametrize("domain", sorted(SURFACE))
def test_wire_notes_has_one_row_per_endpoint_and_helper(domain: str) -> None:
    rows = _rows_by_section()
    assert domain in rows, f"no '## {domain}' section"
    assert sorted(rows[domain]) == sorted(SURFACE[domain])


@pytest.mark.parametrize("domain", sorted(SURFACE))
def test_the_copied_surface_matches_the_code(domain: str) -> None:
    endpoints = {e.name for e in NAMESPACES[domain].endpoints()}
    assert endpoints <= set(SURFACE[domain]), endpoints - set(SURFACE[domain])


def test_each_row_names_its_differences_and_what_the_sdk_does() -> None:
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if re.match(r"\|\s*`\w+`", line):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cells) >= 4, line
            assert all(cells), line
