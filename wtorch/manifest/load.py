"""Reading and validating wtorch.toml: every problem is collected, then reported together."""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from wtorch import graph, tomlfile
from wtorch.choices import CountMode, Strategy
from wtorch.errors import ManifestError
from wtorch.globs import compile_glob
from wtorch.manifest import templates
from wtorch.manifest.lines import LineIndex
from wtorch.manifest.model import Effort, GateConfig, Manifest, Project, SyncConfig, WorktreeConfig
from wtorch.manifest.schema import check_keys, suggest
from wtorch.names import branch_name_problem, is_valid_id, is_valid_name

_ID_RULE = "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"
_CHOICES: dict[str, type[StrEnum]] = {"gate.count": CountMode, "sync.strategy": Strategy}


class _Problems:
    def __init__(self, display: str, lines: LineIndex) -> None:
        self.display = display
        self.lines = lines
        self.items: list[tuple[int, int, str]] = []

    def add(self, key: tuple[str | int, ...], message: str) -> None:
        line = self.lines.line(*key)
        where = f"{self.display}:{line}" if line else self.display
        self.items.append((line or 0, len(self.items), f"{where}: {message}"))

    def raise_if_any(self) -> None:
        if self.items:
            raise ManifestError([text for _, _, text in sorted(self.items)])


def load_manifest(path: Path, *, root: Path, repo_name: str, display: str | None = None) -> Manifest:
    """Read and validate the manifest at `path`; templates resolve against `root`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError([f"{display or path}: cannot read the manifest: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        where = f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
        raise ManifestError([f"{display or path}: cannot read the manifest: not UTF-8 text ({where})"]) from None
    return parse_manifest(text, path=path, root=root, repo_name=repo_name, display=display)


def parse_manifest(text: str, *, path: Path, root: Path, repo_name: str, display: str | None = None) -> Manifest:
    display = display or str(path)
    try:
        data = tomlfile.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError([_syntax_problem(display, str(exc))]) from None
    except RecursionError:
        raise ManifestError([f"{display}: invalid TOML: tables or arrays nested too deeply"]) from None
    problems = _Problems(display, LineIndex(text))
    top = check_keys("", data, (), "", problems.add)
    _check_version(top, problems)
    project = _project(top, problems)
    gate = _gate(top, problems)
    sync = _sync(top, problems)
    section = check_keys("worktree", top.get("worktree", {}), ("worktree",), "[worktree]", problems.add)
    for copied in section.get("copy", []):
        if not _relative_inside(copied) or ".git" in copied.split("/"):
            problems.add(
                ("worktree", "copy"),
                f"'worktree.copy': {copied!r} must be relative to the main worktree, without '..' or '.git'",
            )
        elif _path_problem(copied):
            problems.add(("worktree", "copy"), f"'worktree.copy': {copied!r} {_path_problem(copied)}")
    worktree = WorktreeConfig(tuple(section.get("copy", ())), tuple(section.get("setup", ())))
    validate = check_keys("validate", top.get("validate", {}), ("validate",), "[validate]", problems.add)
    raw_efforts = _raw_efforts(top.get("effort", []), problems)
    efforts = _efforts(raw_efforts, project, root, repo_name, problems) if project else ()
    problems.raise_if_any()
    assert project is not None
    return Manifest(
        path=path,
        root=root,
        repo_name=repo_name,
        project=project,
        gate=gate,
        sync=sync,
        worktree=worktree,
        validate_command=validate.get("command"),
        efforts=efforts,
    )


def _syntax_problem(display: str, message: str) -> str:
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found:
        return f"{display}:{found.group(1)}: invalid TOML: {message[: found.start()]}"
    return f"{display}: invalid TOML: {message}"


def _check_version(top: dict[str, Any], problems: _Problems) -> None:
    version = top.get("version")
    if version is None:
        problems.add((), "missing 'version = 1' at the top of the manifest")
    elif version != 1:
        problems.add(("version",), f"'version' must be 1 (the manifest version this wtorch reads), not {version}")


def _positive(value: int | None, key: tuple[str | int, ...], label: str, problems: _Problems) -> None:
    if value is not None and value <= 0:
        problems.add(key, f"{label} must be positive, not {value}")


def _choice(section: dict[str, Any], name: str, problems: _Problems) -> StrEnum | None:
    """The section's value for a fixed choice as its enum; None (and a problem) when it is not one."""
    table, field = name.split(".")
    choice = _CHOICES[name]
    value = section.get(field)
    if value is None:
        return None
    allowed = [c.value for c in choice]
    if value in allowed:
        section[field] = choice(value)
        return section[field]  # type: ignore[no-any-return]
    problems.add((table, field), f'\'{name}\' must be "{allowed[0]}" or "{allowed[1]}", not "{value}"')
    section.pop(field)
    return None


def _project(top: dict[str, Any], problems: _Problems) -> Project | None:
    if "project" not in top:
        problems.add((), 'missing [project] table (with at least name = "...")')
        return None
    section = check_keys("project", top["project"], ("project",), "[project]", problems.add)
    name = section.get("name")
    if name is None:
        problems.add(("project",), "[project] has no 'name'")
        return None
    if not is_valid_name(name):
        problems.add(
            ("project", "name"), f"'project.name' {name!r} is not valid: {_ID_RULE.replace('lower-case ', '')}"
        )
    base = section.get("base", "main")
    why = branch_name_problem(base)
    if why:
        problems.add(("project", "base"), f"'project.base' {base!r} is not a valid branch name: {why}")
    remote = section.get("remote")
    if remote is not None and not is_valid_name(remote):
        problems.add(("project", "remote"), f"'project.remote' {remote!r} is not a valid remote name")
    _positive(section.get("max_parallel"), ("project", "max_parallel"), "'project.max_parallel'", problems)
    for key, allowed in templates.TEMPLATE_FIELDS.items():
        if key not in section:
            continue
        try:
            unknown = templates.unknown_placeholders(section[key], allowed)
        except ValueError as exc:
            problems.add(("project", key), f"'project.{key}': {exc}")
            section.pop(key)
            continue
        for name in unknown:
            choices = ", ".join("{" + a + "}" for a in allowed)
            problems.add(("project", key), f"'project.{key}': unknown placeholder '{{{name}}}'; use {choices}")
        if unknown:
            section.pop(key)
    return Project(**section)


def _gate(top: dict[str, Any], problems: _Problems) -> GateConfig:
    section = check_keys("gate", top.get("gate", {}), ("gate",), "[gate]", problems.add)
    _positive(section.get("max_lines"), ("gate", "max_lines"), "'gate.max_lines'", problems)
    _choice(section, "gate.count", problems)
    if "exclude" in section:
        for pattern in section["exclude"]:
            try:
                compile_glob(pattern)
            except ValueError as exc:
                problems.add(("gate", "exclude"), f"'gate.exclude': {exc}")
        section["exclude"] = tuple(section["exclude"])
    return GateConfig(**section)


def _sync(top: dict[str, Any], problems: _Problems) -> SyncConfig:
    section = check_keys("sync", top.get("sync", {}), ("sync",), "[sync]", problems.add)
    _choice(section, "sync.strategy", problems)
    return SyncConfig(**section)


def _raw_efforts(tables: list[dict[str, Any]], problems: _Problems) -> list[tuple[int, dict[str, Any]]]:
    """Efforts with a valid, unique id, each with its index in the file."""
    seen: dict[str, int] = {}
    kept = []
    for index, table in enumerate(tables):
        effort_id = table.get("id")
        label = f"effort '{effort_id}'" if isinstance(effort_id, str) else f"[[effort]] number {index + 1}"
        entry = check_keys("effort", table, ("effort", index), label, problems.add)
        if "id" not in entry:
            if "id" not in table:
                problems.add(("effort", index), f"[[effort]] number {index + 1} has no 'id'")
            continue
        effort_id = entry["id"]
        if not is_valid_id(effort_id):
            problems.add(("effort", index, "id"), f"effort id {effort_id!r} is not valid: {_ID_RULE}")
            continue
        if effort_id in seen:
            first = problems.lines.line("effort", seen[effort_id], "id")
            problems.add(("effort", index, "id"), f"duplicate effort id '{effort_id}' (first at line {first})")
            continue
        seen[effort_id] = index
        kept.append((index, entry))
    return kept


def _efforts(
    raw: list[tuple[int, dict[str, Any]]], project: Project, root: Path, repo_name: str, problems: _Problems
) -> tuple[Effort, ...]:
    where = {entry["id"]: index for index, entry in raw}
    deps: dict[str, list[str]] = {}
    for index, entry in raw:
        _check_effort_fields(index, entry, problems)
        known = []
        for dep in entry.get("depends_on", []):
            if dep in where:
                known.append(dep)
            else:
                hint = suggest(dep, sorted(where))
                problems.add(
                    (("effort", index, "depends_on")), f"effort '{entry['id']}' depends on unknown effort '{dep}'{hint}"
                )
        deps[entry["id"]] = known
    cycles = graph.find_cycles(deps)
    on_cycle = {node for cycle in cycles for node in cycle}
    for cycle in cycles:
        problems.add(("effort", where[cycle[0]], "depends_on"), _cycle_message(cycle, deps))
    # Checking goes on past a cycle (every problem is reported at once): without its edges the
    # graph is acyclic again, and the efforts on it are not judged on their waves.
    acyclic = {node: [d for d in ds if not (node in on_cycle and d in on_cycle)] for node, ds in deps.items()}
    declared = {entry["id"]: entry.get("wave") for _, entry in raw}
    waves, conflicts = graph.assign_waves(acyclic, declared)
    for c in conflicts:
        if c.effort not in on_cycle:
            problems.add(("effort", where[c.effort], "wave"), _wave_message(c))
    efforts = tuple(
        _build_effort(
            entry, waves[entry["id"]], deps[entry["id"]], project, root, repo_name, problems.lines.line("effort", index)
        )
        for index, entry in raw
    )
    _check_templates(efforts, project, root, repo_name, where, problems)
    return efforts


def _check_effort_fields(index: int, entry: dict[str, Any], problems: _Problems) -> None:
    label = f"effort '{entry['id']}'"
    for key in ("estimate", "wave"):
        _positive(entry.get(key), ("effort", index, key), f"{label}: '{key}'", problems)
    owner = entry.get("owner")
    if owner is not None and not is_valid_name(owner):
        problems.add(
            ("effort", index, "owner"), f"{label}: owner {owner!r} is not valid: {_ID_RULE.replace('lower-case ', '')}"
        )
    for path in entry.get("paths", []):
        if not _relative_inside(path):
            problems.add(
                ("effort", index, "paths"),
                f"{label}: path '{path}' must be relative to the repository root, without '..'",
            )


def _relative_inside(path: str) -> bool:
    return bool(path) and not path.startswith("/") and ".." not in path.split("/")


NAME_MAX = 255
"""Bytes in one file name (one path component) on the file systems git runs on."""


def _path_problem(path: str) -> str | None:
    """Why no file system takes `path`: a control character, or a component longer than NAME_MAX bytes."""
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "contains a control character"
    longest = max((len(part.encode("utf-8", "surrogateescape")) for part in path.split("/")), default=0)
    return f"has a name of {longest} bytes (at most {NAME_MAX})" if longest > NAME_MAX else None


def _cycle_message(cycle: list[str], deps: dict[str, list[str]]) -> str:
    members = set(cycle)
    walk = [cycle[0]]
    while True:
        nxt = next((d for d in deps[walk[-1]] if d in members and (d not in walk or d == walk[0])), None)
        if nxt is None or nxt == walk[0]:
            break
        walk.append(nxt)
    if len(walk) == len(cycle):
        return "dependency cycle: " + " -> ".join([*walk, walk[0]])
    return "dependency cycle among " + ", ".join(cycle)


def _wave_message(c: graph.WaveConflict) -> str:
    if c.declared == c.dependency_wave:
        where = f"which is in the same wave {c.dependency_wave}"
    else:
        where = f"which is in wave {c.dependency_wave}"
    return (
        f"effort '{c.effort}' is declared wave {c.declared} but depends on '{c.dependency}', {where}; "
        f"put it in wave {c.consistent_wave} or later"
    )


def _values(project: Project, repo_name: str, effort_id: str, wave: int, owner: str | None) -> dict[str, str]:
    return {"project": project.name, "repo": repo_name, "id": effort_id, "wave": str(wave), "owner": owner or ""}


def _build_effort(
    entry: dict[str, Any], wave: int, deps: list[str], project: Project, root: Path, repo_name: str, line: int | None
) -> Effort:
    values = _values(project, repo_name, entry["id"], wave, entry.get("owner"))
    return Effort(
        id=entry["id"],
        title=entry.get("title", entry["id"]),
        wave=wave,
        declared_wave=entry.get("wave"),
        depends_on=tuple(deps),
        estimate=entry.get("estimate"),
        paths=tuple(entry.get("paths", ())),
        owner=entry.get("owner"),
        branch=templates.render(project.branch_template, values),
        worktree=templates.worktree_path(project.worktree_template, values, root),
        line=line,
    )


def _check_templates(
    efforts: tuple[Effort, ...],
    project: Project,
    root: Path,
    repo_name: str,
    where: dict[str, int],
    problems: _Problems,
) -> None:
    branches: dict[str, str] = {}
    paths: dict[Path, str] = {}
    reported: set[str] = set()
    missing = [n for n in templates.TEMPLATE_FIELDS if "owner" in templates.placeholders(getattr(project, n))]
    for effort in efforts:
        values = _values(project, repo_name, effort.id, effort.wave, effort.owner)
        key = ("effort", where[effort.id])
        if effort.owner is not None and not is_valid_name(effort.owner):
            continue  # already reported; rendering it would only repeat the problem
        if missing and effort.owner is None:
            for name in missing:
                problems.add(key, f"effort '{effort.id}' has no owner, which 'project.{name}' uses")
            continue
        for name, rendered in (
            ("branch_template", effort.branch),
            ("defunct_template", templates.render(project.defunct_template, values)),
            ("split_template", templates.render(project.split_template, {**values, "branch": effort.branch, "n": "1"})),
        ):
            problem = templates.branch_problem(name, rendered, effort.id)
            if problem and name not in reported:
                reported.add(name)  # one line per template, not one per effort
                problems.add(("project", name), problem)
        if effort.branch == project.base:
            problems.add(key, f"effort '{effort.id}' gets the branch '{effort.branch}', which is project.base")
        elif effort.branch in branches:
            problems.add(
                key, f"efforts '{branches[effort.branch]}' and '{effort.id}' get the same branch '{effort.branch}'"
            )
        branches.setdefault(effort.branch, effort.id)
        wt_root = templates.worktree_root(project.worktree_template, values, root)
        refused = templates.worktree_problem(project.worktree_template, effort.worktree, wt_root, root)
        if refused is not None:
            if "worktree_template" not in reported:
                reported.add("worktree_template")
                problems.add(
                    ("project", "worktree_template"),
                    f"'project.worktree_template' gives '{effort.worktree}' for effort '{effort.id}', {refused}",
                )
        elif effort.worktree in paths:
            problems.add(
                key, f"efforts '{paths[effort.worktree]}' and '{effort.id}' get the same worktree '{effort.worktree}'"
            )
        paths.setdefault(effort.worktree, effort.id)
