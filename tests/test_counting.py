"""The counting rule (SPEC §6) on real repositories: every exclusion, binary, rename and range rule."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.gitutil import Repo, lines
from tests.gitutil import work as branch
from wtorch.counting import CountedFile, LineCount, count_lines, count_many, weight
from wtorch.errors import UsageError


def by_path(result: LineCount) -> dict[str, CountedFile]:
    return {f.path: f for f in result.files}


def count(repo: Repo, name: str = "topic", **kwargs: object) -> LineCount:
    return count_lines(repo.path, base="main", branch=name, **kwargs)  # type: ignore[arg-type]


def test_changed_counts_added_plus_deleted_and_added_counts_only_added(repo: Repo) -> None:
    repo.commit("base", {"src/app.py": lines(10), "old.txt": lines(4)})
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("src/app.py", lines(10).replace("line 3\n", "LINE 3\n") + lines(5, "more"))
    repo.git("rm", "-q", "old.txt")
    repo.commit("edit")
    changed = count(repo)
    assert (changed.lines, changed.added, changed.deleted, changed.counted_files) == (11, 6, 5, 2)
    assert by_path(changed)["old.txt"] == CountedFile("old.txt", None, 0, 4, 4, False, None, "D")
    assert by_path(changed)["src/app.py"].status == "M"
    added = count(repo, count="added")
    assert (added.lines, added.added, added.deleted, added.count) == (6, 6, 5, "added")
    assert by_path(added)["old.txt"].lines == 0


def test_pure_rename_counts_nothing_and_rename_with_edit_counts_the_edit(repo: Repo) -> None:
    repo.commit("base", {"a.py": lines(40), "b.py": lines(40, "bee")})
    repo.git("checkout", "-q", "-b", "topic")
    (repo.path / "pkg").mkdir()
    repo.git("mv", "a.py", "pkg/a.py")
    repo.git("mv", "b.py", "pkg/b.py")
    repo.write("pkg/b.py", lines(40, "bee").replace("bee 7\n", "bee seven\n"))
    repo.commit("move")
    result = by_path(count(repo))
    assert result["pkg/a.py"] == CountedFile("pkg/a.py", "a.py", 0, 0, 0, False, None, "R")
    assert result["pkg/b.py"] == CountedFile("pkg/b.py", "b.py", 1, 1, 2, False, None, "R")
    assert count(repo).lines == 2


def test_binary_files_count_zero_and_are_listed(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "topic")
    (repo.path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    repo.commit("logo", {"notes.md": lines(3)})
    result = count(repo)
    assert result.binary == ("logo.png",)
    assert by_path(result)["logo.png"] == CountedFile("logo.png", None, 0, 0, 0, True, None, "A")
    assert (result.lines, result.counted_files) == (3, 1)


def test_diff_and_binary_attributes_of_the_tip_make_a_text_file_binary(repo: Repo) -> None:
    branch(
        repo,
        "topic",
        {
            ".gitattributes": "*.svg -diff\n*.dat binary\n",
            "icon.svg": lines(50),
            "table.dat": lines(20),
            "x.txt": "x\n",
        },
    )
    # The checkout is main, whose worktree has no .gitattributes: only the tip's may decide.
    assert not (repo.path / ".gitattributes").exists()
    result = count(repo)
    assert set(result.binary) == {"icon.svg", "table.dat"}
    assert by_path(result)["icon.svg"].lines == 0
    assert (result.lines, result.counted_files) == (3, 2)  # .gitattributes (2 lines) and x.txt (1)


def test_lock_files_at_any_depth_are_excluded_with_their_lines(repo: Repo) -> None:
    locks = {
        "go.sum": lines(40),
        "web/package-lock.json": lines(30),
        "web/app/yarn.lock": lines(5),
        "py/uv.lock": lines(2),
        "Cargo.lock": lines(1),
    }
    branch(repo, "topic", {**locks, "go.mod": lines(3), "yarn.lock.md": lines(2)})
    result = count(repo)
    excluded = {f.path: (f.excluded, weight(f, "changed")) for f in result.excluded}
    assert excluded == {path: ("lock file", len(text.splitlines())) for path, text in locks.items()}
    assert result.lines == 5
    assert count(repo, default_excludes=False).lines == 5 + 78


def test_vendor_and_node_modules_at_any_depth(repo: Repo) -> None:
    branch(
        repo,
        "topic",
        {
            "a/b/vendor/x.go": lines(7),
            "vendor/github.com/y/y.go": lines(8),
            "ui/node_modules/left-pad/index.js": lines(9),
            "vendor.go": lines(1),
            "vendorized/z.go": lines(2),
            "pkg/vendor": lines(3),
        },
    )
    result = count(repo)
    assert {f.path: f.excluded for f in result.excluded} == {
        "a/b/vendor/x.go": "vendored (vendor/)",
        "vendor/github.com/y/y.go": "vendored (vendor/)",
        "ui/node_modules/left-pad/index.js": "vendored (node_modules/)",
    }
    assert result.lines == 6  # vendor.go, vendorized/z.go and a *file* named vendor count


def test_nested_gitattributes_linguist_generated_and_vendored(repo: Repo) -> None:
    branch(
        repo,
        "topic",
        {
            "api/.gitattributes": "*.pb.go linguist-generated=true\n",
            "api/v1/types.pb.go": lines(100),
            "api/v1/types.go": lines(10),
            "third_party/.gitattributes": "lib/** linguist-vendored\n",
            "third_party/lib/lib.c": lines(50),
            "vendor/.gitattributes": "* -linguist-vendored\n",
            "vendor/ours.go": lines(4),
        },
    )
    result = count(repo)
    assert {f.path: f.excluded for f in result.excluded} == {
        "api/v1/types.pb.go": "linguist-generated",
        "third_party/lib/lib.c": "linguist-vendored",
    }
    # -linguist-vendored keeps vendor/ours.go counted, as it would on GitHub.
    assert by_path(result)["vendor/ours.go"].lines == 4
    assert result.lines == 1 + 10 + 1 + 1 + 4


def test_attributes_come_from_the_tip_not_from_the_checked_out_worktree(repo: Repo) -> None:
    branch(repo, "topic", {"gen/x.go": lines(12)})
    repo.commit("main marks gen/ generated", {".gitattributes": "gen/** linguist-generated\n"})
    assert count(repo).lines == 12
    (repo.path / ".gitattributes").write_text("* linguist-vendored\n")  # uncommitted, ignored too
    assert count(repo).lines == 12


def test_generated_header_is_read_from_the_branchs_blob(repo: Repo) -> None:
    deep = "".join(f"# line {i}\n" for i in range(6)) + "# Code generated by hand. DO NOT EDIT.\n"
    repo.commit("base", {"old_gen.go": "// Code generated by stringer; DO NOT EDIT.\n" + lines(9)})
    repo.git("checkout", "-q", "-b", "topic")
    repo.git("rm", "-q", "old_gen.go")
    repo.commit(
        "gen",
        {
            "zz_generated.deepcopy.go": "//go:build !ignore\n\n// Code generated by controller-gen. DO NOT EDIT.\n"
            + lines(20),
            "schema_pb2.py": '# -*- coding: utf-8 -*-\n# Code generated by protoc.  DO NOT EDIT!\n"""x"""\n',
            "page.html": "<!-- Code generated by hugo; DO NOT EDIT. -->\n<p>\n",
            "late.py": deep,
            "docs.md": "Code generated files say DO NOT EDIT at the top.\n",
        },
    )
    (repo.path / "zz_generated.deepcopy.go").write_text("edited in the worktree, header gone\n")
    result = count(repo)
    assert {f.path: f.excluded for f in result.excluded} == {
        "zz_generated.deepcopy.go": "generated header",
        "schema_pb2.py": "generated header",
        "page.html": "generated header",
        "old_gen.go": "generated header",  # deleting generated code costs nothing either
    }
    assert by_path(result)["late.py"].lines == 7  # past the first five lines: not a header
    assert by_path(result)["docs.md"].lines == 1  # prose that mentions it is not a header
    assert count(repo, default_excludes=False).excluded == ()
    repo.git("checkout", "-q", "-f", "main")


def test_generated_false_attribute_overrides_the_header_and_lock_default(repo: Repo) -> None:
    branch(
        repo,
        "topic",
        {
            ".gitattributes": "keep.go -linguist-generated\ngo.sum linguist-generated=false\n",
            "keep.go": "// Code generated by me. DO NOT EDIT.\n" + lines(3),
            "go.sum": lines(2),
        },
    )
    result = count(repo)
    assert result.excluded == ()
    assert result.lines == 2 + 4 + 2


def test_manifest_excludes_are_gitignore_globs_and_win_over_other_reasons(repo: Repo) -> None:
    branch(
        repo,
        "topic",
        {
            "pkg/zz_generated.conversion.go": lines(30),
            "pkg/apis/zz_generated.deepcopy.go": lines(20),
            "docs/api/index.md": lines(5),
            "docs/guide.md": lines(3),
            "vendor/x/y.go": lines(2),
            "main.go": lines(1),
        },
    )
    result = count(repo, exclude=["**/zz_generated.*.go", "/docs/api/", "vendor/**"])
    assert {f.path: f.excluded for f in result.excluded} == {
        "pkg/zz_generated.conversion.go": "gate.exclude: **/zz_generated.*.go",
        "pkg/apis/zz_generated.deepcopy.go": "gate.exclude: **/zz_generated.*.go",
        "docs/api/index.md": "gate.exclude: /docs/api/",
        "vendor/x/y.go": "gate.exclude: vendor/**",
    }
    assert result.lines == 4
    with pytest.raises(UsageError, match=r"gate.exclude: '!keep': negation"):
        count(repo, exclude=["!keep"])


def test_the_base_moving_on_after_branching_never_counts(repo: Repo) -> None:
    repo.commit("base", {"shared.py": lines(10)})
    fork = repo.rev("main")
    branch(repo, "topic", {"feature.py": lines(5)})
    repo.commit("main moves on", {"shared.py": lines(300, "rewritten"), "other.py": lines(200)})
    result = count(repo)
    assert (result.lines, result.merge_base, result.tip) == (5, fork, repo.rev("topic"))
    assert [f.path for f in result.files] == ["feature.py"]
    # The same answer plain git gives for the three-dot range.
    numstat = repo.git("diff", "--numstat", "main...topic").split()
    assert int(numstat[0]) + int(numstat[1]) == result.lines


def test_a_branch_merged_with_its_base_counts_only_its_own_work(repo: Repo) -> None:
    branch(repo, "topic", {"feature.py": lines(5)})
    repo.commit("main moves on", {"other.py": lines(200)})
    repo.git("checkout", "-q", "topic")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.git("checkout", "-q", "main")
    assert count(repo).lines == 5


def test_unknown_refs_and_unrelated_histories_are_usage_errors(repo: Repo) -> None:
    with pytest.raises(UsageError, match=r"^unknown branch 'nope'$"):
        count(repo, "nope")
    with pytest.raises(UsageError, match=r"^unknown base 'gone' \(for branch 'main'\)$"):
        count_lines(repo.path, base="gone", branch="main")
    repo.git("checkout", "-q", "--orphan", "island")
    repo.commit("island", {"x": "x\n"})
    with pytest.raises(UsageError, match="'island' and 'main' have no common history"):
        count(repo, "island")
    with pytest.raises(UsageError, match="unknown count mode 'lines'"):
        count(repo, "main", count="lines")


def test_count_many_keeps_order_and_agrees_with_count_lines(repo: Repo) -> None:
    for n in range(1, 7):
        branch(repo, f"b{n}", {f"f{n}.txt": lines(n)})
    pairs = [("main", f"b{n}") for n in (6, 1, 5, 2, 4, 3)]
    results = count_many(repo.path, pairs)
    assert [(r.branch, r.lines) for r in results] == [(b, int(b[1:])) for _, b in pairs]
    assert results[0] == count_lines(repo.path, base="main", branch="b6")
    assert count_many(repo.path, []) == []


def test_works_from_a_subdirectory_and_from_a_linked_worktree(repo: Repo) -> None:
    branch(
        repo,
        "topic",
        {"sub/.gitattributes": "*.gen linguist-generated\n", "sub/a.gen": lines(9), "sub/b.txt": lines(2)},
    )
    (repo.path / "sub").mkdir()
    from_sub = count_lines(repo.path / "sub", base="main", branch="topic")
    assert from_sub.lines == 3 and [f.path for f in from_sub.excluded] == ["sub/a.gen"]
    linked = repo.path.parent / f"{repo.path.name}-wt"
    repo.git("worktree", "add", "-q", str(linked), "topic")
    try:
        assert count_lines(linked, base="main", branch="HEAD") == replace(from_sub, branch="HEAD")
    finally:
        repo.git("worktree", "remove", "--force", str(linked))


def test_figures_match_plain_git_numstat(repo: Repo) -> None:
    repo.commit("base", {"a.txt": lines(30), "b.txt": lines(30)})
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("a.txt", lines(30).replace("line 1\n", "one\n").replace("line 20\n", ""))
    repo.git("mv", "b.txt", "c.txt")
    repo.commit("work", {"d.txt": lines(12)})
    repo.git("checkout", "-q", "main")
    base = repo.git("merge-base", "main", "topic").strip()
    plain = repo.git("diff", "--numstat", "-M", base, "topic").splitlines()
    total = sum(int(a) + int(d) for a, d, *_ in (row.split("\t") for row in plain))
    assert count(repo).lines == total == 15


def test_paths_with_spaces_newlines_and_unicode(repo: Repo) -> None:
    files = {"dir with space/naïve file.txt": lines(2), "weird\nname.txt": lines(3), "new\nline/x.txt": lines(4)}
    branch(repo, "topic", {**files, "new\nline/.gitattributes": "x.txt linguist-generated\n"})
    result = count(repo)
    assert sorted(f.path for f in result.files) == sorted([*files, "new\nline/.gitattributes"])
    assert [f.path for f in result.excluded] == ["new\nline/x.txt"]
    assert result.lines == 2 + 3 + 1


def test_branches_with_different_gitattributes_each_get_their_own(repo: Repo) -> None:
    repo.commit("base", {"api/x.go": lines(3), "api/.gitattributes": "*.txt linguist-generated\n"})
    branch(repo, "marks", {"api/x.go": lines(8), "api/.gitattributes": "*.go linguist-generated\n"})
    branch(repo, "plain", {"api/x.go": lines(9)})
    branch(repo, "root", {"api/x.go": lines(7), ".gitattributes": "api/** linguist-vendored\n"})
    marks, plain, root = count_many(repo.path, [("main", "marks"), ("main", "plain"), ("main", "root")])
    assert [f.excluded for f in marks.excluded] == ["linguist-generated"] and marks.lines == 2
    assert plain.excluded == () and plain.lines == 6
    assert [f.path for f in root.excluded] == ["api/x.go"] and root.lines == 1


def test_a_branch_that_deletes_or_moves_a_gitattributes_is_judged_by_its_tip(repo: Repo) -> None:
    """A tip's `.gitattributes` are its merge-base's with the branch's own changes applied."""
    repo.commit("base", {"gen/.gitattributes": "* linguist-generated\n", "gen/x.txt": "x\n", "other/z.txt": "z\n"})
    repo.git("checkout", "-q", "-b", "dropped")
    repo.git("rm", "-q", "gen/.gitattributes")
    repo.commit("no longer generated", {"gen/x.txt": lines(4)})
    repo.git("checkout", "-q", "-b", "moved", "main")
    (repo.path / "other").mkdir(exist_ok=True)
    repo.git("mv", "gen/.gitattributes", "other/.gitattributes")
    repo.commit("the other way round", {"gen/x.txt": lines(5), "other/z.txt": lines(6)})
    repo.git("checkout", "-q", "main")
    dropped, moved = count_many(repo.path, [("main", "dropped"), ("main", "moved")])
    assert dropped.excluded == () and dropped.lines == 4 + 1 + 1  # x.txt (+4 -1), the deleted attributes file
    assert [f.path for f in moved.excluded] == ["other/.gitattributes", "other/z.txt"]  # it marks itself too
    assert moved.lines == (5 + 1)  # gen/x.txt; the rename itself changes no line


def test_a_branch_already_in_its_base_counts_nothing(repo: Repo) -> None:
    branch(repo, "topic", {"x.py": lines(4)})
    repo.git("merge", "-q", "--ff-only", "topic")
    repo.commit("later", {"y.py": lines(2)})
    result = count(repo)
    assert (result.lines, result.merge_base, result.files) == (0, repo.rev("topic"), ())
    assert count_lines(repo.path, base="main", branch="main").lines == 0
