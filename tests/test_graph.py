"""Property tests for the pure graph functions: random DAGs, checked against brute force."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from wtorch import graph


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 9) -> dict[str, list[str]]:
    """A random DAG: edges only point from a later node to an earlier one, then names shuffled."""
    n = draw(st.integers(min_value=0, max_value=max_nodes))
    names = draw(st.permutations([f"e{i}" for i in range(n)]))
    deps: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        deps[name] = draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
    order = draw(st.permutations(names))
    return {name: deps[name] for name in order}


def all_paths(deps: dict[str, list[str]]) -> list[list[str]]:
    """Every dependency chain, by brute force."""
    paths: list[list[str]] = []

    def walk(path: list[str]) -> None:
        paths.append(path)
        for dep in deps[path[-1]]:
            walk([*path, dep])

    for node in deps:
        walk([node])
    return paths


@given(dags(), st.data())
def test_waves_respect_every_edge(deps: dict[str, list[str]], data: st.DataObject) -> None:
    waves, conflicts = graph.assign_waves(deps, {})
    assert not conflicts
    for node, ds in deps.items():
        assert waves[node] == 1 + max((waves[d] for d in ds), default=0)


@given(dags())
def test_declared_waves_are_kept_or_reported(deps: dict[str, list[str]]) -> None:
    declared: dict[str, int | None] = {node: 2 for node in deps}
    waves, conflicts = graph.assign_waves(deps, declared)
    conflicted = {c.effort for c in conflicts}
    for node, ds in deps.items():
        assert waves[node] == 2
        assert (node in conflicted) == bool(ds)
    for c in conflicts:
        assert c.consistent_wave == c.dependency_wave + 1


@given(dags())
def test_topological_order_puts_dependencies_first(deps: dict[str, list[str]]) -> None:
    order = graph.topological_order(deps)
    assert sorted(order) == sorted(deps)
    position = {node: i for i, node in enumerate(order)}
    for node, ds in deps.items():
        assert all(position[d] < position[node] for d in ds)


@settings(max_examples=150)
@given(dags(max_nodes=8), st.data())
def test_critical_path_is_a_longest_path(deps: dict[str, list[str]], data: st.DataObject) -> None:
    weights = {node: data.draw(st.integers(min_value=0, max_value=1000)) for node in deps}
    path, total = graph.critical_path(deps, weights)
    if not deps:
        assert (path, total) == ([], 0)
        return
    # it is a real chain: each step depends on the one before
    for earlier, later in itertools.pairwise(path):
        assert earlier in deps[later]
    assert total == sum(weights[n] for n in path)
    assert total == max(sum(weights[n] for n in p) for p in all_paths(deps))


@given(dags())
def test_parallel_with_is_symmetric_and_excludes_related(deps: dict[str, list[str]]) -> None:
    parallel = graph.parallel_with(deps)
    up = graph.ancestors(deps)
    for node, others in parallel.items():
        for other in others:
            assert node in parallel[other]
            assert other not in up[node] and node not in up[other]
        unrelated = {o for o in deps if o != node and o not in up[node] and node not in up[o]}
        assert set(others) == unrelated


@given(dags(), st.data())
def test_cycles_are_found_exactly_when_there_is_one(deps: dict[str, list[str]], data: st.DataObject) -> None:
    assert graph.find_cycles(deps) == []
    nodes = list(deps)
    if len(nodes) < 2:
        return
    # add a back edge along an existing chain: that closes a cycle through every node of the chain
    chain = max(all_paths(deps), key=len)
    if len(chain) < 2:
        chain = [nodes[0], nodes[1]]
        deps = {**deps, nodes[0]: [*deps[nodes[0]], nodes[1]]}
    cyclic = {**deps, chain[-1]: [*deps[chain[-1]], chain[0]]}
    (cycle,) = [c for c in graph.find_cycles(cyclic) if set(chain) <= set(c)]
    assert set(chain) <= set(cycle)


def test_self_loop_is_a_cycle() -> None:
    assert graph.find_cycles({"a": ["a"], "b": []}) == [["a"]]


def test_long_chain_does_not_hit_the_recursion_limit() -> None:
    deps = {f"e{i}": ([f"e{i - 1}"] if i else []) for i in range(5000)}
    assert graph.find_cycles(deps) == []
    path, total = graph.critical_path(deps, dict.fromkeys(deps, 1))
    assert total == 5000 and path[0] == "e0"


def test_path_overlap_is_by_path_component() -> None:
    assert graph.paths_overlap("pkg/quota/", "pkg/quota/manager.go") == "pkg/quota/manager.go"
    assert graph.paths_overlap("pkg/quota/manager.go", "pkg/quota/aggregator.go") is None
    assert graph.paths_overlap("pkg/quo", "pkg/quota/") is None
    assert graph.paths_overlap("pkg/virtual/**", "pkg/virtual/syncer/x.go") == "pkg/virtual/syncer/x.go"
    conflicts = graph.path_conflicts({"a": ["pkg/a/"], "b": ["pkg/b/"], "c": ["pkg/"]})
    assert [(c.efforts, c.paths) for c in conflicts] == [(("a", "c"), ("pkg/a/",)), (("b", "c"), ("pkg/b/",))]
