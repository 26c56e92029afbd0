"""CLI: sync, log and undo."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from wtorch.cli.app import app


class Strategy(StrEnum):
    rebase = "rebase"
    merge = "merge"


@app.command()
def sync(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Only these efforts.")] = None,
    wave: Annotated[int | None, typer.Option("--wave", help="Only this wave.")] = None,
    strategy: Annotated[Strategy | None, typer.Option("--strategy", help="Default: sync.strategy.")] = None,
    autostash: Annotated[
        bool, typer.Option("--autostash", help="Sync dirty worktrees too, stashing and restoring their changes.")
    ] = False,
    push: Annotated[bool, typer.Option("--push", help="Push synced branches with --force-with-lease.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Predict (conflicts too); change nothing.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """The daily sync: every branch onto its base, parents first; a conflict is aborted and reported.

    Example: wtorch sync --wave 2 --dry-run
    """
    from wtorch import context, output
    from wtorch.commands.sync import run_sync
    from wtorch.output import lifecycle as progress
    from wtorch.output import sync as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    with progress.progress_bar(len(manifest.efforts), "sync") as step:
        result = run_sync(
            manifest,
            repo,
            ids=tuple(ids or ()),
            wave=wave,
            strategy=strategy.value if strategy else None,
            autostash=autostash,
            push=push,
            dry_run=dry_run,
            progress=step,
        )
    if json_:
        output.emit_json(render.sync_json(result))
    else:
        render.render_sync(result)
    raise typer.Exit(result.exit_code)


@app.command("log")
def log_(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """The operations log: every mutating command, newest first, with each ref it moved.

    Example: wtorch log
    """
    from wtorch import context, output
    from wtorch.commands.undo import run_log
    from wtorch.output import sync as render

    operations = run_log(context.require_repo(ctx.obj))
    if json_:
        output.emit_json(render.log_json(operations))
    else:
        render.render_log(operations)


@app.command()
def undo(ctx: typer.Context) -> None:
    """Put back the refs of the last operation and remove the worktrees it created; undo again to redo.

    Example: wtorch sync && wtorch undo
    """
    from wtorch import context
    from wtorch.commands.undo import run_undo

    repo = context.require_repo(ctx.obj)
    manifest = context.load_optional(ctx.obj, repo)
    result = run_undo(repo, copies=manifest.worktree.copy if manifest else ())
    typer.echo(f"undid {result.undone.number}: wtorch {result.undone.command}")
    for step in result.steps:
        typer.echo(f"  {step}")
