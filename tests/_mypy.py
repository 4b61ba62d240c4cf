"""``mypy --strict`` in a subprocess, for the tests that type-check user code.

Every check of a run shares one cache (the ``mypy_cache`` fixture): the first analyses
wechat_async and its dependencies, the others reuse that and analyse only their own files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def run_mypy(*files: Path | str, cache_dir: Path) -> tuple[int, str]:
    """(exit code, output) of ``mypy --strict`` over ``files``, run from the repository."""
    proc = subprocess.run(  # noqa: S603 - fixed arguments, files of the tests
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache_dir)]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr
