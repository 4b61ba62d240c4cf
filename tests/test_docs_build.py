"""The docs site builds with warnings as errors (``mkdocs build --strict``; the ``docs``
extra, part of ``test``), so a broken link, anchor or API-reference name fails the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # The theme prints a notice about MkDocs 2 on every build; it is not a warning of ours.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        cwd=config.parent,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_the_docs_site_builds_strict(tmp_path: Path) -> None:
    proc = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (tmp_path / "site" / "reference" / "delivery" / "add_order" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "cargo.goods_value" in page
    assert "DeliveryOrderExistsError" in page
    api = (tmp_path / "site" / "api" / "client" / "index.html").read_text(encoding="utf-8")
    assert "with_options" in api  # mkdocstrings rendered the client's methods


@pytest.mark.slow
def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    cli = copy / "docs" / "cli.md"
    cli.write_text(cli.read_text(encoding="utf-8") + "\n[gone](no-such-page.md)\n", "utf-8")
    proc = _build(copy / "mkdocs.yml", tmp_path / "site")
    assert proc.returncode != 0
    assert "no-such-page.md" in proc.stdout + proc.stderr
