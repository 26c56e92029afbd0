"""The typer app: one small function per command, nothing else (see STYLE.md)."""

from __future__ import annotations

import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wtorch import __version__
from wtorch.errors import EXIT_GIT, EXIT_INTERRUPTED, ManifestError, WtorchError

EPILOG = (
    "Docs: docs/ in the wtorch repository. "
    "Exit codes: 0 ok, 1 check failed, 2 usage or manifest error, 3 git failed, 130 interrupted."
)


class _Group(TyperGroup):
    """Turns every error into a message and an exit code (SPEC §5); tracebacks only with --verbose."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WtorchError as exc:
            _report(ctx, exc, exc.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("wtorch: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if hasattr(exc, "show") and hasattr(exc, "exit_code"):
                raise  # typer's own usage errors: it prints them, exit 2
            _report(ctx, exc, EXIT_GIT, prefix="internal error: ")


def _verbose(ctx: Any) -> bool:
    return bool(ctx.params.get("verbose")) or os.environ.get("WTORCH_DEBUG") == "1"


def _report(ctx: Any, exc: BaseException, code: int, prefix: str = "") -> None:
    if _verbose(ctx):
        traceback.print_exc(file=sys.stderr)
    if isinstance(exc, ManifestError):
        message = "\n".join(exc.problems)
    else:
        message = f"wtorch: {prefix}{exc}"
        if prefix and not _verbose(ctx):
            message += " (run with --verbose for the traceback)"
    sys.stderr.write(message + "\n")
    raise typer.Exit(code)


app = typer.Typer(
    cls=_Group,
    name="wtorch",
    help="Git worktree and branch orchestration for waves of parallel efforts, driven by wtorch.toml.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wtorch {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest", envvar="WTORCH_MANIFEST", help="Path to wtorch.toml (default: the main worktree's)."
        ),
    ] = None,
    repo: Annotated[Path | None, typer.Option("-C", "--repo", help="Run as if started in DIR.")] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR is honoured too).")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="More detail; tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    from wtorch import output
    from wtorch.context import Options

    output.configure(color=not no_color)
    ctx.obj = Options(manifest=manifest, repo=repo, verbose=verbose, color=not no_color)


class PlanFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    mermaid = "mermaid"
    json = "json"


@app.command()
def plan(
    ctx: typer.Context,
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.table,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Validate the manifest and show the plan: waves, critical path, dependency and path-conflict matrices.

    Example: wtorch plan --manifest examples/phase6.toml --format markdown
    """
    from wtorch import context, output
    from wtorch.commands.plan import run_plan
    from wtorch.output import plan as render

    report = run_plan(context.load(ctx.obj))
    chosen = PlanFormat.json if json_ else format
    if chosen is PlanFormat.json:
        output.emit_json(report.to_json())
    elif chosen is PlanFormat.markdown:
        output.emit_text(render.render_markdown(report))
    elif chosen is PlanFormat.mermaid:
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


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit code instead of raising SystemExit."""
    try:
        app(args=argv, prog_name="wtorch", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
