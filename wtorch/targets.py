"""What a command is pointed at: efforts (by id or by branch name), waves, or bare branches with a base.

Every command that takes `ID`, `BRANCH|ID` or `--wave` resolves it here, so each accepts the same
names, refuses the same mistakes with the same words, and measures against the same base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch import git
from wtorch.choices import CountMode
from wtorch.errors import UsageError
from wtorch.manifest import Effort, GateConfig, Manifest


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _ids(manifest: Manifest) -> str:
    return ", ".join(e.id for e in manifest.efforts) or "none"


def find_effort(manifest: Manifest, name: str) -> Effort | None:
    """The effort `name` stands for: its id, or its branch name."""
    return manifest.effort(name) or next((e for e in manifest.efforts if e.branch == name), None)


def effort(manifest: Manifest, name: str) -> Effort:
    """One effort by id or branch name; a usage error listing the ids when there is none."""
    (found,) = select(manifest, names=(name,))
    return found


def check_waves(manifest: Manifest, waves: Sequence[int]) -> list[int]:
    """The waves asked for, each checked to exist (a repeated --wave means each of them)."""
    known = manifest.wave_numbers()
    unknown = [w for w in dict.fromkeys(waves) if w not in known]
    if unknown:
        valid = ", ".join(map(str, known)) or "none"
        which = ", ".join(map(str, unknown))
        raise UsageError(f"there is no wave {which} in the manifest (waves: {valid})")
    return list(dict.fromkeys(waves))


def select(manifest: Manifest, *, waves: Sequence[int] = (), names: Sequence[str] = ()) -> list[Effort]:
    """Efforts in manifest order, narrowed to `waves` and to `names` (ids or branch names)."""
    chosen = list(manifest.efforts)
    wanted_waves = check_waves(manifest, waves)
    if wanted_waves:
        chosen = [e for e in chosen if e.wave in wanted_waves]
    found = {name: find_effort(manifest, name) for name in dict.fromkeys(names)}
    unknown = [name for name, e in found.items() if e is None]
    if unknown:
        raise UsageError(f"unknown effort {_quoted(unknown)} (efforts: {_ids(manifest)})")
    if found:
        ids = {e.id for e in found.values() if e is not None}
        chosen = [e for e in chosen if e.id in ids]
    return chosen


def wave_words(waves: Sequence[int]) -> str:
    return ("wave " if len(waves) == 1 else "waves ") + ", ".join(map(str, waves))


# Measuring: gate, split (and whatever else counts lines) ------------------------------------------

NO_MANIFEST_EXAMPLE = "wtorch {command} --base origin/main HEAD"


@dataclass(frozen=True)
class Target:
    """A branch to measure, the ref it is measured against, and the effort it is (None for a bare branch)."""

    branch: str
    base: str
    effort: str | None = None
    split_into: tuple[str, ...] = ()
    """The chunk branches `split --apply` cut this branch into (its lineage), if any."""


def gate_config(manifest: Manifest | None) -> GateConfig:
    """The manifest's [gate]; without a manifest, 800 changed lines and no extra excludes."""
    return manifest.gate if manifest is not None else GateConfig()


def budget(manifest: Manifest | None, max_lines: int | None) -> int:
    """--max-lines, checked, else gate.max_lines, else 800."""
    if max_lines is not None and max_lines <= 0:
        raise UsageError(f"--max-lines must be a positive number of lines, not {max_lines}")
    return max_lines or gate_config(manifest).max_lines


def count_mode(manifest: Manifest | None, count: CountMode | None) -> CountMode:
    return count or gate_config(manifest).count


def measured(
    start: Path,
    manifest: Manifest | None,
    repo: git.RepoInfo,
    *,
    names: Sequence[str] = (),
    waves: Sequence[int] = (),
    base: str | None = None,
    command: str = "gate",
) -> tuple[list[Target], tuple[str, ...]]:
    """Targets to measure, and the efforts skipped for having no branch yet (when none were named).

    Without a manifest: the named branches (HEAD by default) against --base, which is then required.
    With one: efforts (by id or branch; each against its own base, a stacked one against its parent)
    and bare branches (against --base, else project.base); nothing named means every effort of
    `waves` (all by default) that has a branch.
    """
    if manifest is None:
        return _bare(start, names or ("HEAD",), waves, base, command), ()
    from wtorch import facts as facts_
    from wtorch import states
    from wtorch.state import StateStore

    efforts, bare = _efforts_and_branches(start, manifest, names, base)
    chosen_waves = check_waves(manifest, waves)
    facts = facts_.gather(manifest, repo, StateStore(repo.common_dir).read(log=False))
    skipped: tuple[str, ...] = ()
    if not names:
        efforts = select(manifest, waves=chosen_waves)
        skipped = tuple(e.id for e in efforts if e.branch not in facts.branches)
        efforts = [e for e in efforts if e.branch in facts.branches]
    elif chosen_waves:
        outside = [e.id for e in efforts if e.wave not in chosen_waves]
        if bare or outside:
            raise UsageError(f"{_quoted([*bare, *outside])} not in {wave_words(chosen_waves)}; drop --wave or the name")
    missing = [e for e in efforts if e.branch not in facts.branches]
    if missing:
        first = missing[0]
        raise UsageError(
            f"effort {_quoted([e.id for e in missing])} has no branch yet ({first.branch}); "
            f"create it with `wtorch create-wave {first.wave}`"
        )
    bases = states.effort_bases(manifest, facts) if (efforts or bare) and base is None else {}
    project_base = base or facts.base_ref
    splits = facts.state.splits
    chosen = [Target(e.branch, bases.get(e.id, project_base), e.id, tuple(splits.get(e.branch, ()))) for e in efforts]
    by_branch = {e.branch: bases.get(e.id, project_base) for e in manifest.efforts}
    chosen += [Target(name, base or _chunk_base(name, splits, by_branch, project_base)) for name in bare]
    return list({t.branch: t for t in chosen}.values()), skipped


def _chunk_base(branch: str, splits: dict[str, list[str]], bases: dict[str, str], project_base: str) -> str:
    """A split chunk is reviewed on top of the chunk below it; the first on top of what the original
    branch was measured against. Any other branch: project.base."""
    for original, chunks in splits.items():
        if branch in chunks:
            n = chunks.index(branch)
            return chunks[n - 1] if n else bases.get(original, project_base)
    return project_base


def _bare(start: Path, names: Sequence[str], waves: Sequence[int], base: str | None, command: str) -> list[Target]:
    if waves:
        raise UsageError("--wave needs a manifest (wtorch.toml); without one, name the branches and --base")
    if base is None:
        example = NO_MANIFEST_EXAMPLE.format(command=command)
        raise UsageError(f"no manifest found, so {command} needs --base REF to measure against, e.g. {example}")
    names = list(dict.fromkeys(names))
    found = git.diff.resolve_commits(start, [base, *names])
    if found[base] is None:
        raise UsageError(f"unknown base '{base}'")
    unknown = [n for n in names if found[n] is None]
    if unknown:
        raise UsageError(f"unknown branch {_quoted(unknown)}")
    return [Target(name, base) for name in names]


def _efforts_and_branches(
    start: Path, manifest: Manifest, names: Sequence[str], base: str | None
) -> tuple[list[Effort], list[str]]:
    """Names as efforts (by id or by branch name) and bare branches; unknown names list the ids."""
    efforts: list[Effort] = []
    bare: list[str] = []
    for name in dict.fromkeys(names):
        # HEAD names the effort whose branch is checked out here (a pre-push hook gates HEAD).
        current = git.current_branch(start) if name == "HEAD" else None
        found = find_effort(manifest, current or name)
        if found is not None:
            efforts.append(found)
        else:
            bare.append(name)
    resolved = git.diff.resolve_commits(start, [*bare, *([base] if base else [])])
    if base is not None and resolved[base] is None:
        raise UsageError(f"unknown base '{base}'")
    unknown = [name for name in bare if resolved[name] is None]
    if unknown:
        raise UsageError(f"unknown branch or effort {_quoted(unknown)} (efforts: {_ids(manifest)})")
    return efforts, bare
