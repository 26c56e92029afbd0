"""The demo's story: what the repository starts with, what the agents write, and the steps run on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtorch.commands.demo import MANIFEST, Step

if TYPE_CHECKING:
    from wtorch.commands.demo import Demo

START = {
    "wtorch.toml": MANIFEST,
    "README.md": "# tmc-completion\n\nA throwaway repository made by `wtorch demo`.\n",
    "config/defaults.yaml": "replicas: 1\ntimeout: 30\nretries: 3\n",
    "pkg/__init__.py": "",
}


def _module(name: str, functions: int, *, imports: str = "") -> str:
    body = (
        [f'"""{name}: written by an agent in the wtorch demo."""', "", imports] if imports else [f'"""{name}."""', ""]
    )
    for n in range(functions):
        body += [
            "",
            f"def {name}_step_{n}(value: int) -> int:",
            f'    """Step {n} of {name}."""',
            f"    return value + {n}",
        ]
    return "\n".join(body) + "\n"


def _types(count: int) -> str:
    lines = ['"""Discovery types."""', ""]
    for n in range(count):
        lines += ["", f"class Resource{n}:", f"    kind = 'resource-{n}'", "    version = 'v1'"]
    return "\n".join(lines) + "\n"


def agents_work(demo: Demo) -> list[str]:
    sync = demo.worktree("p6w1-synctarget-controller")
    demo.write(sync, {"pkg/synctarget/controller.py": _module("synctarget", 20)}, "SyncTarget controller")
    hooks = demo.worktree("p6w3-webhooks")
    files = {
        "pkg/admission/webhooks.py": _module("webhooks", 12),
        "config/defaults.yaml": "replicas: 1\ntimeout: 45\nretries: 3\n",
    }
    demo.write(hooks, files, "Admission webhooks; a longer timeout")
    disc = demo.worktree("p6w2-vw-discovery")
    client = _module("discovery", 40, imports="from pkg.vw.discovery.types import Resource0")
    demo.write(disc, {"pkg/vw/discovery/types.py": _types(40)}, "Discovery types")
    demo.write(disc, {"pkg/vw/discovery/client.py": client, "pkg/vw/__init__.py": ""}, "Discovery client")
    return [
        "agent-1 commits the SyncTarget controller in worktrees/p6w1-synctarget-controller",
        "agent-2 commits the webhooks (and a longer timeout in config/defaults.yaml) in worktrees/p6w3-webhooks",
        "agent-3 commits discovery types and a client in worktrees/p6w2-vw-discovery: more than the budget",
    ]


def main_moves_on(demo: Demo) -> list[str]:
    demo.write(
        demo.repo, {"config/defaults.yaml": "replicas: 1\ntimeout: 60\nretries: 3\n"}, "Raise the default timeout"
    )
    return [
        "main moves on: someone raises timeout to 60 in config/defaults.yaml"
        " — the webhooks branch changed that line too"
    ]


def merge_synctarget(demo: Demo) -> list[str]:
    from wtorch import git
    from wtorch.commands.demo import IDENTITY

    branch = "feature/tmc-completion/p6w1-synctarget-controller"
    git.repo.merge_branch(demo.repo, branch, "Merge pull request #1: SyncTarget controller", env=IDENTITY)
    return [f"the SyncTarget controller's pull request is merged into main ({branch})"]


STEPS = (
    Step("The plan", "Is the plan consistent? Waves, the critical path, who runs in parallel.", ("plan",)),
    Step("Open wave 1", "A branch and a worktree for every effort of wave 1.", ("create-wave", "1")),
    Step(
        "Agents at work",
        "Three agents commit in their worktrees; where does everyone stand?",
        ("status",),
        work=agents_work,
    ),
    Step("The line budget", "Which branches are over the review budget? (exit 1: one is)", ("gate",), expect=1),
    Step(
        "How to cut it",
        "A stack of chunks under the budget, each needing only earlier ones.",
        ("split", "p6w2-vw-discovery"),
    ),
    Step(
        "Cut it",
        "The chunk branches, built without touching any worktree; the last one's tree is checked.",
        ("split", "p6w2-vw-discovery", "--apply"),
    ),
    Step(
        "The daily sync",
        "Every branch onto main; a conflict is reported and left untouched. (exit 1)",
        ("sync",),
        expect=1,
        work=main_moves_on,
    ),
    Step(
        "Do they merge together?",
        "Trial merges of every pair, touching nothing. (exit 1: webhooks no longer merges)",
        ("integrate", "1"),
        expect=1,
    ),
    Step(
        "Is the wave done?",
        "Clean worktrees, under budget, validate.command passing. (exit 1: not yet)",
        ("validate-wave", "1"),
        expect=1,
    ),
    Step(
        "A merge, and a mark",
        "SyncTarget is merged (detected); discovery is marked complete by hand.",
        ("complete", "p6w2-vw-discovery", "--reason", "merged as its split stack"),
        work=merge_synctarget,
    ),
    Step(
        "Open wave 2",
        "Its efforts depended on SyncTarget, which is complete now: they start on main.",
        ("create-wave", "2"),
    ),
    Step("The status document", "What nobody has to write by hand any more.", ("report", "--no-timestamp")),
)
