"""SPEC §10: a mutating command killed at any point converges when re-run.

Each command runs once uninterrupted (the twin) to list its git calls; then, for every k, a fresh
copy of the same scenario is killed before its k-th git call, and, when that call writes, again
2 ms into it (git dies with it); re-run, and compared with the twin: refs, worktrees and their HEADs, every file,
nothing in progress or left behind, fsck clean, the state file equivalent (one log entry for the
killed run and its re-run together). The kill points of a command are spread over a few tests
(`shard`) so that pytest-xdist runs them in parallel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.forkserver import ForkServer
from tests.killpoints import Kit, Twin, check, writes
from tests.scenarios import SCENARIOS

SHARDS = 3
MODES = {"before": "", "into": "+2"}
_twins: dict[str, Twin] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    started = ForkServer()
    yield started
    started.close()


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_killed_anywhere_a_rerun_ends_as_the_uninterrupted_run(
    name: str, mode: str, shard: int, tmp_path: Path, server: ForkServer
) -> None:
    kit = Kit(tmp_path, SCENARIOS[name], server)
    twin = _twins.get(name) or _twins.setdefault(name, kit.twin())
    assert twin.calls, f"{name}: the twin made no git call"
    problems = []
    for k in range(1 + shard, len(twin.calls) + 1, SHARDS):
        if mode == "before" or writes(twin.calls[k - 1]):
            problems += check(kit, twin, f"{k}{MODES[mode]}")
    assert not problems, "\n".join(problems)


def test_every_scenario_has_kill_points(tmp_path: Path, server: ForkServer) -> None:
    """The figures docs/development.md quotes: kill points per command, and those inside a writing call."""
    counts = {}
    for name, build in SCENARIOS.items():
        (tmp_path / name).mkdir()
        twin = _twins.get(name) or _twins.setdefault(name, Kit(tmp_path / name, build, server).twin())
        counts[name] = (len(twin.calls), sum(writes(c) for c in twin.calls))
    assert all(before and into for before, into in counts.values()), counts
    assert sum(before for before, _ in counts.values()) >= 150, counts
