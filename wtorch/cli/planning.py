"""CLI: plan and init."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wtorch.choices import PlanFormat
from wtorch.cli.app import app


@app.command()
def plan(
    ctx: typer.Context,
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.TABLE,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Validate the manifest and show the plan: waves, critical path, dependency and path-conflict matrices.

    Example: wtorch --manifest examples/phase6.toml plan --format markdown
    """
    from wtorch import context, output
    from wtorch.commands.plan import run_plan
    from wtorch.output import plan as render

    report = run_plan(context.load(ctx.obj))
    chosen = PlanFormat.JSON if json_ else format
    if chosen is PlanFormat.JSON:
        output.emit_json(report.to_json())
    elif chosen is PlanFormat.MARKDOWN:
        output.emit_text(render.render_markdown(report))
    elif chosen is PlanFormat.MERMAID:
        output.emit_text(render.render_mermaid(report))
    else:
        render.render_table(report)


@app.command()
def init(
    ctx: typer.Context,
    project: Annotated[
        str | None, typer.Option("--project", help="Project name (default: the repository's folder name).")
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Base branch (default: the current branch, else main).")
    ] = None,
) -> None:
    """Write a commented starter wtorch.toml at the root of the main worktree. Never overwrites.

    Example: wtorch init --project payments --base main
    """
    from wtorch import context, git
    from wtorch.commands.init import run_init

    options = ctx.obj
    repo = context.find_repo(options)
    target = context.manifest_path(options, repo)
    folder = (repo.main_worktree if repo else options.start).name
    chosen_base = base or (git.current_branch(options.start) if repo else None) or "main"
    written = run_init(target, project=project, base=chosen_base, default_project=folder)
    typer.echo(f"wrote {written}; next: add [[effort]] tables, then run `wtorch plan`")


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="[DIR]", help="Where to build it: empty or absent (default: a new temp dir)."),
    ] = None,
    fast: Annotated[bool, typer.Option("--fast", help="No pauses between the steps.")] = False,
) -> None:
    """Build a throwaway repository with a sample manifest and run the whole wave day on it, step by step.

    Every step is the real command and its real output: plan, create-wave, agents' commits, status,
    gate, split --apply, sync with a conflict, integrate, validate-wave, complete, create-wave 2, report.

    Example: wtorch demo /tmp/wtorch-demo --fast
    """
    from wtorch.commands.demo import run_demo
    from wtorch.output import demo as render

    result = run_demo(directory, pause=0.0 if fast else 1.5, show=render.show_step)
    render.show_end(result)
    raise typer.Exit(0 if result.ok else 1)
