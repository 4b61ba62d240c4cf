"""mypy --strict sees every endpoint's parameters and return type."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "typing"

pytest.importorskip("mypy")


def _mypy(path: Path) -> tuple[int, str]:
    proc = subprocess.run(  # noqa: S603 - fixed arguments, our own files
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            "/dev/null",
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=HERE.parent.parent,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_endpoint_types_are_visible_to_mypy() -> None:
    code, output = _mypy(HERE / "endpoint_types.py")
    assert code == 0, output


def test_nested_structures_accept_plain_dicts_under_mypy() -> None:
    code, output = _mypy(HERE / "nested_dicts.py")
    assert code == 0, output


def test_endpoint_misuse_is_caught_by_mypy() -> None:
    path = HERE / "endpoint_misuse.py"
    expected = {
        i for i, line in enumerate(path.read_text().splitlines(), start=1) if "# E:" in line
    }
    code, output = _mypy(path)
    assert code == 1, output
    flagged = {int(m.group(1)) for m in re.finditer(r"endpoint_misuse\.py:(\d+): error", output)}
    assert expected <= flagged, output
