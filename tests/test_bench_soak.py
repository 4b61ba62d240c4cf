"""The exactly-once soak runs, at a size that fits the suite."""

from __future__ import annotations

import pytest

from benchmarks.soak_exactly_once import (
    _cancelled_everywhere,
    _failing_calls,
    _fault_sync,
    _identical_pushes,
    _inserting_sync,
    _left_and_resumed,
    _open_sockets,
)


async def test_identical_concurrent_pushes_run_the_handler_once() -> None:
    runs, statuses = await _identical_pushes(50)
    assert runs == 1
    assert statuses[200] >= 1
    assert set(statuses) <= {200, 503}
    assert sum(statuses.values()) == 50


async def test_a_sync_with_inserts_counts_no_duplicate_and_no_missing() -> None:
    row = await _inserting_sync(seed=1)
    assert (row["duplicates"], row["missing"]) == (0, 0)
    assert row["out"] > 1_000  # orders were inserted mid-sync and read


@pytest.mark.slow
@pytest.mark.parametrize("plain", [False, True])
async def test_a_fault_sync_reports_its_retries(plain: bool) -> None:
    row = await _fault_sync("httpx", seed=0, plain=plain)
    assert (row["out"], row["duplicates"], row["missing"]) == (6_000, 0, 0)
    assert row["requests"] > 61  # 61 reads without faults: some were retried


@pytest.mark.slow
async def test_syncs_left_at_a_few_instants_and_iterated_again_lose_and_repeat_nothing() -> None:
    row = await _left_and_resumed("httpx", 4)
    assert (row["out"], row["duplicates"], row["missing"]) == (8_000, 0, 0)
    assert row["left_early"] >= 1


def test_open_sockets_counts_a_socket_while_it_is_open() -> None:
    import socket
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    before = _open_sockets()
    with socket.socket():
        assert _open_sockets() == before + 1
    assert _open_sockets() == before


async def test_calls_that_all_fail_leave_no_socket_open() -> None:
    row = await _failing_calls("httpx", 60)
    assert (row["calls"], row["failed"], row["sockets_left"]) == (60, 60, 0)
    assert row["attempts"] >= 60


@pytest.mark.slow
async def test_calls_and_syncs_cut_at_a_few_instants_lose_and_leave_nothing() -> None:
    row = await _cancelled_everywhere("httpx", 5)
    assert (row["out"], row["duplicates"], row["missing"]) == (10_000, 0, 0)
    assert row["sockets_left"] == 0
