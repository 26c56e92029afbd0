"""The split planner: units, order, packing; with property tests over random change graphs."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wtorch.split import ChangedFile, Edge, SplitPlan, find_edges, plan_split
from wtorch.split.packing import Improver, _Ready, greedy
from wtorch.split.units import Unit, build_units, kept_together


def f(
    path: str, lines: int = 10, status: str = "A", old_path: str | None = None, excluded: bool = False
) -> ChangedFile:
    return ChangedFile(path=path, status=status, lines=lines, old_path=old_path, excluded=excluded)


def imports(src: str, dst: str) -> Edge:
    return Edge(src, dst, "imports")


def chunk_of(plan: SplitPlan) -> dict[str, int]:
    return {p: c.n for c in plan.chunks for p in c.files}


def together(plan: SplitPlan, *paths: str) -> bool:
    where = chunk_of(plan)
    return len({where[p] for p in paths}) == 1


# --- kept together -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("tests/shop/test_cart.py", "src/shop/cart.py", "test with its source"),
        ("src/shop/cart_test.py", "src/shop/cart.py", "test with its source"),
        ("web/ui/Button.test.tsx", "web/ui/Button.tsx", "test with its source"),
        ("web/lib/fmt.spec.js", "web/lib/fmt.js", "test with its source"),
        ("core/src/test/java/com/a/CartTest.java", "core/src/main/java/com/a/Cart.java", "test with its source"),
        ("core/src/test/java/com/a/CartTests.java", "core/src/main/java/com/a/Cart.java", "test with its source"),
        ("crates/wire/tests/frame.rs", "crates/wire/src/frame.rs", "test with its source"),
        ("gen/go/shop/v1/cart.pb.go", "proto/shop/v1/cart.proto", "generated file with its source"),
        ("py/shop/v1/cart_pb2.py", "proto/shop/v1/cart.proto", "generated file with its source"),
        ("py/shop/v1/cart_pb2_grpc.py", "proto/shop/v1/cart.proto", "generated file with its source"),
        ("web/package-lock.json", "web/package.json", "lock file with its manifest"),
        ("uv.lock", "pyproject.toml", "lock file with its manifest"),
        ("go.sum", "go.mod", "lock file with its manifest"),
        ("Cargo.lock", "Cargo.toml", "lock file with its manifest"),
        ("src/buf.c", "src/buf.h", "header with its source"),
        ("src/buf.cc", "include/acme/buf.hpp", "header with its source"),
    ],
)
def test_pairs_kept_together(a: str, b: str, reason: str) -> None:
    files = [f(a), f(b), f("other/unrelated.py")]
    assert {(x, y, r) for x, y, r in kept_together(files)} == {(a, b, reason)}
    plan = plan_split(files, [], max_lines=15)
    assert together(plan, a, b)


def test_ambiguous_test_subject_is_not_paired() -> None:
    files = [f("tests/test_util.py"), f("a/util.py"), f("b/util.py")]
    assert list(kept_together(files)) == []


def test_test_pairs_with_the_closest_mirror() -> None:
    files = [f("tests/unit/shop/test_util.py"), f("src/shop/util.py"), f("src/other/util.py")]
    assert list(kept_together(files)) == [("tests/unit/shop/test_util.py", "src/shop/util.py", "test with its source")]


def test_rename_occupies_its_old_path() -> None:
    # A new file written where the renamed one used to be cannot land before the rename.
    files = [f("lib/new.py", 60, "R", old_path="lib/old.py"), f("lib/old.py", 60, "A"), f("lib/c.py", 60)]
    plan = plan_split(files, [], max_lines=100)
    assert together(plan, "lib/new.py", "lib/old.py")
    assert plan.oversized[0].why == "files kept together: rename"


def test_edges_naming_the_old_side_of_a_rename_follow_the_renamed_file() -> None:
    files = [f("a.py", 60, "R", old_path="z_old.py"), f("b.py", 60)]
    plan = plan_split(files, [imports("b.py", "z_old.py")], max_lines=100)
    assert chunk_of(plan) == {"a.py": 1, "b.py": 2}
    assert plan.chunks[1].needs == (1,)


def test_go_package_kept_together() -> None:
    files = [f("store/a.go", 40), f("store/b.go", 40), f("store/a_test.go", 40), f("api/api.go", 40)]
    plan = plan_split(files, [imports("api/api.go", "store/b.go")], max_lines=130)
    assert together(plan, "store/a.go", "store/b.go", "store/a_test.go")
    assert chunk_of(plan)["api/api.go"] == 2


def test_cycle_kept_together() -> None:
    files = [f("a.py", 40), f("b.py", 40), f("c.py", 40), f("d.py", 40)]
    edges = [imports("a.py", "b.py"), imports("b.py", "c.py"), imports("c.py", "a.py"), imports("d.py", "a.py")]
    plan = plan_split(files, edges, max_lines=100)
    assert [c.files for c in plan.chunks] == [("a.py", "b.py", "c.py"), ("d.py",)]
    assert plan.oversized[0].why == "files kept together: import cycle"


def test_test_with_source_joined_by_imports_becomes_one_cycle() -> None:
    # x <- y (y imports x) and test_x imports y: keeping test_x with x closes a loop.
    files = [f("x.py", 30), f("test_x.py", 30), f("y.py", 30)]
    edges = [imports("y.py", "x.py"), imports("test_x.py", "y.py")]
    plan = plan_split(files, edges, max_lines=60)
    assert together(plan, "x.py", "y.py", "test_x.py")
    assert plan.oversized[0].why == "files kept together: import cycle, test with its source"


# --- order ---------------------------------------------------------------------------------


def test_importer_after_importee_and_needs() -> None:
    files = [f("app/main.py", 90), f("lib/db.py", 90), f("lib/log.py", 5)]
    edges = [imports("app/main.py", "lib/db.py"), imports("lib/db.py", "lib/log.py")]
    plan = plan_split(files, edges, max_lines=100)
    assert [c.files for c in plan.chunks] == [("lib/db.py", "lib/log.py"), ("app/main.py",)]
    assert [c.needs for c in plan.chunks] == [(), (1,)]


def test_deleted_file_after_its_last_user() -> None:
    files = [f("pkg/legacy.py", 90, "D"), f("pkg/user.py", 50, "M"), f("pkg/new.py", 50, "A")]
    edges = find_edges(
        files,
        new_text={"pkg/user.py": "from pkg import new\n", "pkg/new.py": ""},
        old_text={"pkg/user.py": "from pkg import legacy\n", "pkg/legacy.py": ""},
        repo_paths=frozenset({"pkg/__init__.py", "pkg/user.py", "pkg/new.py"}),
    )
    plan = plan_split(files, edges, max_lines=100)
    where = chunk_of(plan)
    assert where["pkg/new.py"] <= where["pkg/user.py"] <= where["pkg/legacy.py"]
    assert where["pkg/legacy.py"] > where["pkg/user.py"]


# --- oversized and floor -------------------------------------------------------------------


def test_oversized_units_get_a_chunk_of_their_own_with_the_reason() -> None:
    files = [
        f("big_new.py", 900, "A"),
        f("big_old.py", 850, "M"),
        f("gone.py", 820, "D"),
        f("small.py", 10),
        f("pkg/a.go", 500),
        f("pkg/b.go", 500),
    ]
    plan = plan_split(files, [], max_lines=800)
    assert {o.files: o.why for o in plan.oversized} == {
        ("big_new.py",): "single new file",
        ("big_old.py",): "modified file could be cut by hunks",
        ("gone.py",): "deleted file could be cut by hunks",
        ("pkg/a.go", "pkg/b.go"): "files kept together: one Go package",
    }
    for o in plan.oversized:
        assert any(c.files == o.files and c.lines == o.lines for c in plan.chunks)
    assert ("small.py",) in [c.files for c in plan.chunks]


def test_floor() -> None:
    files = [f(f"m{i}.py", n) for i, n in enumerate([700, 700, 700, 745])]
    plan = plan_split(files, [], max_lines=800)
    assert (plan.total_lines, plan.floor, len(plan.chunks)) == (2845, 4, 4)
    assert plan_split([f("a.py", 0), f("b.lock", 0)], [], max_lines=800).floor == 0
    assert plan_split([], [], max_lines=800) == SplitPlan(800, 0, 0, (), ())


def test_excluded_files_weigh_nothing_but_are_placed() -> None:
    files = [f("package.json", 90), f("package-lock.json", 4000, excluded=True), f("a.js", 90)]
    plan = plan_split(files, [], max_lines=100)
    assert plan.total_lines == 180
    assert together(plan, "package.json", "package-lock.json")
    assert plan.oversized == ()


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="max_lines must be at least 1, not 0"):
        plan_split([], [], max_lines=0)
    with pytest.raises(ValueError, match=r"a\.py is listed twice in the change"):
        plan_split([f("a.py"), f("a.py")], [], max_lines=10)


# --- packing quality -----------------------------------------------------------------------


def test_improvement_reaches_the_floor_where_greedy_by_directory_does_not() -> None:
    # Greedy by directory starts with the largest unit, b/report.py, and b/cli.py must wait
    # for a/api.py: three chunks. Moving b/report.py next to b/cli.py gives two.
    files = [f("a/core.py", 60), f("a/api.py", 40), f("b/report.py", 80), f("b/cli.py", 10)]
    edges = [imports("b/cli.py", "a/api.py")]
    units = build_units(files, edges)
    first = greedy(units, 100, affinity=True)
    assert len(first) == 3
    improver = Improver(units, 100, first)
    improver.eliminate(2)
    assert len(improver.chunks()) == 2
    plan = plan_split(files, edges, max_lines=100)
    assert [c.files for c in plan.chunks] == [("a/api.py", "a/core.py"), ("b/cli.py", "b/report.py")]
    assert [c.directories for c in plan.chunks] == [("a",), ("b",)]


def test_directory_kept_together_when_it_fits() -> None:
    files = [f("ui/a.ts", 30), f("ui/b.ts", 30), f("db/x.py", 35), f("db/y.py", 35), f("db/z.py", 10)]
    plan = plan_split(files, [], max_lines=100)
    assert len(plan.chunks) == 2
    assert together(plan, "db/x.py", "db/y.py", "db/z.py")
    assert together(plan, "ui/a.ts", "ui/b.ts")


def test_main_directories_most_lines_first_at_most_three() -> None:
    files = [f("a/1.py", 5), f("b/1.py", 40), f("c/1.py", 20), f("d/1.py", 10), f("top.py", 20)]
    plan = plan_split(files, [], max_lines=100)
    assert plan.chunks[0].directories == ("b", ".", "c")


def test_five_thousand_files_plan_respecting_every_edge_and_the_budget_at_the_floor() -> None:
    # How long this takes is benchmarks/split_scale.py's to measure, not this test's.
    rng = random.Random(7)
    files = [f(f"d{i % 80}/m{i}.py", rng.randint(1, 120)) for i in range(5000)]
    edges = [imports(files[i].path, files[j].path) for i in range(5000) for j in rng.sample(range(i), min(i, 2))]
    plan = check_plan(files, edges, 800)
    assert len(plan.chunks) == plan.floor
    assert plan_split(list(reversed(files)), edges[::-1], max_lines=800) == plan


def test_a_long_chain_of_needs_packs_in_order() -> None:
    # Each file needs the one before: the order is forced, and the chunks still fill up.
    files = [f(f"d{i % 60}/m{i:04d}.py", 50) for i in range(2000)]
    edges = [imports(files[i].path, files[i - 1].path) for i in range(1, 2000)]
    plan = check_plan(files, edges, 800)
    assert len(plan.chunks) == plan.floor == 125
    assert [set(c.files) for c in plan.chunks] == [{x.path for x in files[k : k + 16]} for k in range(0, 2000, 16)]


# --- properties ----------------------------------------------------------------------------

# Names that trigger the kept-together rules mixed with plain ones.
POOL = [
    "a/x.py",
    "a/test_x.py",
    "tests/test_x.py",
    "a/y.py",
    "b/s.go",
    "b/t.go",
    "b/s_test.go",
    "c/m.ts",
    "c/m.test.ts",
    "c/index.ts",
    "d/Foo.java",
    "d/FooTest.java",
    "p/api.proto",
    "p/api.pb.go",
    "package.json",
    "package-lock.json",
    "e/k.h",
    "e/k.c",
    "e/main.c",
    "f/one.rs",
    "f/two.rs",
    "g/h/i.py",
    "g/h/j.py",
]


@st.composite
def changes(draw: st.DrawFn, *, acyclic: bool) -> tuple[list[ChangedFile], list[Edge], int]:
    extra = [
        f"{d}/{n}.py"
        for d, n in draw(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("qrstuvw")), max_size=20))
    ]
    paths = sorted(set(draw(st.lists(st.sampled_from(POOL), max_size=12)) + extra))
    budget = draw(st.integers(1, 200))
    files = []
    for p in paths:
        lines = draw(st.integers(0, budget * 3 // 2))
        status = draw(st.sampled_from("AMDR"))
        old = draw(st.sampled_from([None, "a/y.py", "zz/old.py"])) if status == "R" else None
        files.append(ChangedFile(p, status, lines, old, excluded=draw(st.booleans()) and lines == 0))
    edges = []
    order = draw(st.permutations(paths))
    for i, src in enumerate(order):
        targets = order[:i] if acyclic else order
        for dst in draw(st.lists(st.sampled_from(targets), max_size=3)) if targets else []:
            edges.append(Edge(src, dst, "imports"))
    return files, edges, budget


def check_plan(files: list[ChangedFile], edges: list[Edge], budget: int) -> SplitPlan:
    plan = plan_split(files, edges, max_lines=budget)
    placed = [p for c in plan.chunks for p in c.files]
    assert sorted(placed) == sorted(x.path for x in files)
    where = chunk_of(plan)
    for e in edges:
        assert where[e.src] >= where[e.dst], e
    oversized = {o.files for o in plan.oversized}
    for c in plan.chunks:
        assert c.lines <= budget or c.files in oversized, c
        assert all(n < c.n for n in c.needs)
    assert [c.n for c in plan.chunks] == list(range(1, len(plan.chunks) + 1))
    # Neighbouring chunks that fit together are always merged.
    for a, b in zip(plan.chunks, plan.chunks[1:], strict=False):
        assert a.files in oversized or b.files in oversized or a.lines + b.lines > budget, (a, b)
    # The floor assumes chunks can be filled to the budget; an oversized unit overfills its own.
    regular = sum(x.lines for x in files if not x.excluded) - sum(o.lines for o in plan.oversized)
    assert len(plan.chunks) >= len(plan.oversized) + -(-regular // budget)
    if not plan.oversized:
        assert len(plan.chunks) >= plan.floor
    assert plan.total_lines == sum(x.lines for x in files if not x.excluded)
    return plan


@settings(max_examples=200, deadline=None)
@given(changes(acyclic=True), st.randoms(use_true_random=False))
def test_property_acyclic_changes(change: tuple[list[ChangedFile], list[Edge], int], rnd: random.Random) -> None:
    files, edges, budget = change
    plan = check_plan(files, edges, budget)
    assert plan_split(files, edges, max_lines=budget) == plan
    rnd.shuffle(files)
    rnd.shuffle(edges)
    assert plan_split(files, edges, max_lines=budget) == plan


@settings(max_examples=100, deadline=None)
@given(changes(acyclic=False), st.randoms(use_true_random=False))
def test_property_changes_with_cycles(change: tuple[list[ChangedFile], list[Edge], int], rnd: random.Random) -> None:
    files, edges, budget = change
    plan = check_plan(files, edges, budget)
    rnd.shuffle(files)
    rnd.shuffle(edges)
    assert plan_split(files, edges, max_lines=budget) == plan


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=40), st.data())
def test_property_no_edges_stays_near_the_floor(weights: list[int], data: st.DataObject) -> None:
    files = [f(f"{data.draw(st.sampled_from('abc'))}/m{i}.py", w) for i, w in enumerate(weights)]
    plan = check_plan(files, [], 100)
    # No two chunks could be merged, so at most one is half empty.
    assert all(a.lines + b.lines > 100 for a in plan.chunks for b in plan.chunks if a.n < b.n)
    assert len(plan.chunks) <= 2 * plan.floor


def _heaviest(units: list[Unit], pool: list[int], room: int, dirs: list[str]) -> int | None:
    """The plain way: the heaviest unit that fits, the first path among equals, in ``dirs`` first."""
    for group in [*dirs, None]:
        fits = [j for j in pool if units[j].lines <= room and group in (None, units[j].directory)]
        if fits:
            return max(fits, key=lambda j: (units[j].lines, -j))
    return None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from("abc"), st.integers(0, 35), st.booleans()), max_size=60))
def test_property_the_ready_units_give_the_heaviest_that_fits_as_a_plain_search_does(
    steps: list[tuple[int, str, int, bool]],
) -> None:
    units = [Unit((), w, (), frozenset(), str(i), d) for i, (w, d, _, _) in enumerate(steps)]
    ready, pool = _Ready(units), []
    for i, (_, directory, room, take) in enumerate(steps):
        ready.add(i)
        pool.append(i)
        if take:
            found = _heaviest(units, pool, room, [directory, "z"])
            assert ready.take(room, [directory, "z"]) == found
            if found is not None:
                pool.remove(found)
