"""mypy --strict sees every endpoint's parameters and return type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests._mypy import run_mypy

HERE = Path(__file__).parent / "typing"

pytest.importorskip("mypy")


@pytest.mark.slow
def test_endpoint_types_are_visible_to_mypy(mypy_cache: Path) -> None:
    code, output = run_mypy(HERE / "endpoint_types.py", cache_dir=mypy_cache)
    assert code == 0, output


@pytest.mark.slow
def test_nested_structures_accept_plain_dicts_under_mypy(mypy_cache: Path) -> None:
    code, output = run_mypy(HERE / "nested_dicts.py", cache_dir=mypy_cache)
    assert code == 0, output


@pytest.mark.slow
def test_endpoint_misuse_is_caught_by_mypy(mypy_cache: Path) -> None:
    path = HERE / "endpoint_misuse.py"
    expected = {
        i for i, line in enumerate(path.read_text().splitlines(), start=1) if "# E:" in line
    }
    code, output = run_mypy(path, cache_dir=mypy_cache)
    assert code == 1, output
    flagged = {int(m.group(1)) for m in re.finditer(r"endpoint_misuse\.py:(\d+): error", output)}
    assert expected <= flagged, output
