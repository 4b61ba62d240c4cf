"""Worker processes that start together: each says ``ready`` once imported and connected,
then waits for the common start time on stdin (a loaded machine may take seconds to start a
Python process; a fixed head start would let some join late)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, our own modules
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_together(workers: list[subprocess.Popen[str]], lead: float = 0.3) -> float:
    """Wait until every worker is ready, then tell them all to start ``lead`` s from now."""
    for worker in workers:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        if line.strip() != "ready":
            _, err = worker.communicate(timeout=30)
            raise AssertionError(f"worker did not start: {line!r} {err}")
    start = time.time() + lead
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start!r}\n")
        worker.stdin.flush()
    return start


def wait_for_start() -> float:
    """In a worker: report ready, and read the common start time (Unix seconds)."""
    print("ready", flush=True)
    return float(sys.stdin.readline())
