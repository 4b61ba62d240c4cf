"""The benchmarks' measure of another process's CPU time."""

from __future__ import annotations

import math
import os
import sys
import threading

import pytest

from benchmarks._harness import ProcessCpu


def _spin(seconds: float) -> None:
    import time

    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_it_counts_the_cpu_time_of_every_thread() -> None:
    with ProcessCpu(os.getpid()) as cpu:
        worker = threading.Thread(target=_spin, args=(0.1,))
        worker.start()
        worker.join()  # ended inside the block: counted all the same (to a clock tick)
        _spin(0.1)
    assert 0.17 < cpu.seconds < 5


def test_without_a_process_it_is_nan() -> None:
    with ProcessCpu(None) as cpu:
        pass
    assert math.isnan(cpu.seconds)
