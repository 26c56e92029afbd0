"""wtorch.process's thread pool: results in order, every running item waited for, failures raised."""

from __future__ import annotations

import threading
import time

import pytest

from wtorch.process import parallel_map, together


def test_parallel_map_keeps_input_order_and_runs_items_at_once() -> None:
    inside, most = 0, 0
    lock = threading.Lock()

    def slow_square(n: int) -> int:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01 * (n % 3))  # later items finish first
        with lock:
            inside -= 1
        return n * n

    assert parallel_map(slow_square, list(range(12)), jobs=4) == [n * n for n in range(12)]
    assert 1 < most <= 4


def test_parallel_map_raises_the_earliest_failure_after_the_running_items_end() -> None:
    ended: list[int] = []
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        if n in (1, 2):
            time.sleep(0.05 if n == 1 else 0)
            raise ValueError(f"item {n}")
        time.sleep(0.1)
        ended.append(n)
        return n

    with pytest.raises(ValueError, match="item 1"):
        parallel_map(work, list(range(40)), jobs=3)
    # Item 0 was running when the others failed: it was waited for. No item started after a failure
    # was seen beyond the few that were being picked up at that moment.
    assert 0 in ended
    assert set(ended) == {n for n in started if n not in (1, 2)}
    assert len(started) < 40


def test_together_returns_both_results_and_waits_for_the_other_side_on_failure() -> None:
    assert together(lambda: "here", lambda: "there") == ("here", "there")
    ended: list[str] = []

    def slow() -> str:
        time.sleep(0.05)
        ended.append("second")
        return "second"

    def failing() -> str:
        raise KeyError("first")

    with pytest.raises(KeyError, match="first"):
        together(failing, slow)
    assert ended == ["second"]

    def failing_later() -> str:
        time.sleep(0.02)
        raise OSError("second side")

    with pytest.raises(OSError, match="second side"):
        together(lambda: "fine", failing_later)


def test_an_interrupt_waits_for_the_work_already_running() -> None:
    """Ctrl-C while `together` or `parallel_map` waits: the running work ends before the interrupt
    goes on (its git would otherwise still run while the caller unwinds and writes its state)."""
    import signal

    for run in (
        lambda work: together(lambda: None, work),
        lambda work: parallel_map(lambda _: work(), [0, 1], jobs=2),
    ):
        ended: list[bool] = []

        def work(ended: list[bool] = ended) -> None:
            time.sleep(0.4)
            ended.append(True)

        main = threading.main_thread().ident or 0
        threading.Timer(0.1, signal.pthread_kill, (main, signal.SIGINT)).start()  # as Ctrl-C reaches it
        with pytest.raises(KeyboardInterrupt):
            run(work)
        assert ended, "the interrupt went on before the running work had ended"


def test_an_interrupt_starts_no_new_item() -> None:
    """Ctrl-C while `parallel_map` waits: the items running end, the ones not begun never start."""
    import signal

    started: list[int] = []

    def work(n: int) -> None:
        started.append(n)
        time.sleep(0.2)

    main = threading.main_thread().ident or 0
    threading.Timer(0.1, signal.pthread_kill, (main, signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        parallel_map(work, list(range(20)), jobs=2)
    assert len(started) <= 4, f"{len(started)} of 20 items started after the interrupt"
