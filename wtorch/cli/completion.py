"""Shell completion of effort ids, branch names and wave numbers, read from the manifest.

Completion runs on every <TAB>, so it never fails: a missing manifest or repository completes
nothing. `-C DIR` and `--manifest PATH` typed earlier on the line are honoured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _manifest(ctx: Any) -> Any:
    from wtorch import context

    root = ctx.find_root() if ctx is not None else None
    params = root.params if root is not None else {}
    manifest, repo = params.get("manifest"), params.get("repo")
    options = context.Options(manifest=Path(manifest) if manifest else None, repo=Path(repo) if repo else None)
    try:
        repo = context.find_repo(options)
        return context.load(options, repo=repo)
    except Exception:  # completion must never fail on the user's <TAB>
        return None


def efforts(ctx: Any, incomplete: str) -> list[str]:
    """Effort ids (and, once the word looks like a branch, branch names) starting with what was typed."""
    manifest = _manifest(ctx)
    if manifest is None:
        return []
    words = [e.id for e in manifest.efforts]
    if "/" in incomplete:
        words = [e.branch for e in manifest.efforts]
    return [w for w in words if w.startswith(incomplete)]


def waves(ctx: Any, incomplete: str) -> list[str]:
    manifest = _manifest(ctx)
    if manifest is None:
        return []
    return [str(n) for n in manifest.wave_numbers() if str(n).startswith(incomplete)]
