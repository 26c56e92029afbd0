"""`wtorch split` on real repositories: edges by meaning end to end, and the `--check` summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.gitutil import Repo

UTIL = "def other():\n    return 1\n\n\ndef isidentifier(s):\n    return s.isidentifier()\n"


def helper_removal_branch(repo: Repo) -> None:
    """util drops isidentifier; a and b stop using it; a test changes with the new behaviour of other."""
    filler = "".join(f"# line {i}\n" for i in range(30))
    repo.commit(
        "base",
        {
            "pkg/__init__.py": "",
            "pkg/util.py": UTIL,
            "pkg/a.py": "from pkg.util import isidentifier, other\nA = isidentifier('a')\n",
            "pkg/b.py": "import pkg.util\nB = pkg.util.isidentifier('b')\n",
            "tests/test_util.py": "from pkg.util import other\n\n\ndef test_other():\n    assert other() == 1\n",
        },
    )
    repo.git("checkout", "-q", "-b", "feature/x")
    repo.write("pkg/util.py", "def other():\n    return 2\n" + filler)
    repo.write("pkg/a.py", "from pkg.util import other\nA = other()\n" + filler)
    repo.write("pkg/b.py", "import pkg.util\nB = 'b'\n" + filler)
    repo.write("tests/test_util.py", "from pkg.util import other\n\n\ndef test_other():\n    assert other() == 2\n")
    repo.commit("feature")
    repo.git("checkout", "-q", "main")


def split(cli: Any, repo: Repo, *args: str) -> Any:
    return cli("-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", *args)


def test_the_plan_orders_by_what_the_change_does_and_names_what_each_chunk_needs(cli: Any, repo: Repo) -> None:
    helper_removal_branch(repo)
    result = split(cli, repo, "--json")
    assert result.exit_code == 0, result.output
    chunks = json.loads(result.stdout)["chunks"]
    where = {f: c["n"] for c in chunks for f in c["files"]}
    # util removes isidentifier: no earlier than a and b, which stop using it; the test with util.
    assert where["pkg/util.py"] > max(where["pkg/a.py"], where["pkg/b.py"])
    assert where["tests/test_util.py"] == where["pkg/util.py"]
    last = chunks[where["pkg/util.py"] - 1]
    assert {
        "chunk": where["pkg/a.py"],
        "file": "pkg/a.py",
        "names": ["isidentifier"],
        "why": "removes what it stopped using",
    } in last["requires"]


def test_check_prints_a_summary_per_chunk_and_offers_undo(cli: Any, repo: Repo) -> None:
    helper_removal_branch(repo)
    command = "python3 -c 'import pkg.a, pkg.b' && echo ok-$((1 + 1))"
    passing = split(cli, repo, "--apply", "--check", command)
    assert passing.exit_code == 0, passing.output
    assert f"`{command}` at every chunk (logs in " in passing.stdout
    assert "ok-2" not in passing.stdout  # a passing chunk's output is in its log only
    failing = split(cli, repo, "--apply", "--force", "--check", "echo one; echo two; echo three; exit 3")
    assert failing.exit_code == 1
    lines = failing.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  1. feature/x-1-split: fail (3) ("))
    assert [line.strip() for line in lines[first + 1 : first + 4]] == ["one", "two", "three"]
    log = lines[first + 4].strip().removeprefix("log: ")
    assert log.endswith("/1.log") and Path(log).read_text() == "one\ntwo\nthree\n"
    assert (
        "The chunk branches are left as they are: fix the chunk there, or run `wtorch undo` to delete" in failing.stdout
    )
    assert "feature/x-1-split" in repo.branches()
    data = json.loads(split(cli, repo, "--apply", "--force", "--json", "--check", "exit 3").stdout)
    check = data["chunks"][0]["check"]
    assert (check["ok"], check["returncode"], check["result"], check["tail"]) == (False, 3, "failed", [])


def test_a_modified_file_over_budget_is_applied_in_parts_each_of_which_parses(cli: Any, repo: Repo) -> None:
    old = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(40))
    new = "".join(f"def f{i}(x):\n    return x * {i}\n\n\n" for i in range(40)) + "def g():\n    return f1(2)\n"
    repo.commit("base", {"pkg/__init__.py": "", "pkg/big.py": old})
    repo.git("checkout", "-q", "-b", "feature/x")
    repo.commit("feature", {"pkg/big.py": new, "pkg/use.py": "from pkg.big import g\nG = g()\n"})
    repo.git("checkout", "-q", "main")
    result = split(cli, repo, "--apply", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["oversized"] == [] and all(c["lines"] <= 40 for c in data["chunks"])
    names = [c["branch"] for c in data["chunks"] if "pkg/big.py" in c["files"]]
    assert len(names) >= 3
    assert repo.rev(f"{data['chunks'][-1]['branch']}^{{tree}}") == repo.rev("feature/x^{tree}")
    texts = [repo.git("show", f"{name}:pkg/big.py") for name in names]
    assert texts[-1] == new and len(set(texts)) == len(texts)
    for text in texts:
        compile(text, "pkg/big.py", "exec")  # every intermediate state of the file parses
    where = {f: c["n"] for c in data["chunks"] for f in c["files"]}
    assert where["pkg/use.py"] >= data["chunks"][[c["branch"] for c in data["chunks"]].index(names[-1])]["n"]
