"""Task runner: `nox -s tests`, `nox -s lint`, `nox -s typecheck`, `nox -s bench`, `nox -s pictures`."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against real git repositories."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format), plus the check that only wtorch/git/ touches GitPython or runs git."""
    session.install("-e", ".[test,lint]")
    session.run("ruff", "check", "wtorch", "tests", "benchmarks", *session.posargs)
    session.run("ruff", "format", "--check", "wtorch", "tests", "benchmarks")
    session.run("pytest", "-q", "tests/test_architecture.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[lint]")
    session.run("mypy", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: wtorch against the plain git a shell script would run, as ratios."""
    session.install("-e", ".")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def pictures(session: nox.Session) -> None:
    """The README's pictures (docs/images/*.svg), from real runs on the demo repository."""
    session.install("-e", ".")
    session.run("python", "docs/pictures.py", *session.posargs)
