"""Run every benchmark in this package: `python -m benchmarks [--quick]`."""

from __future__ import annotations

import argparse
import sys

from benchmarks import gate_bench, integrate_bench, split_eval

BENCHMARKS = {"gate": gate_bench.main, "split": split_eval.main, "integrate": integrate_bench.main}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"which to run: {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="fewer branches and repeats (a smoke test)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    status = 0
    for name in args.names or list(BENCHMARKS):
        status |= BENCHMARKS[name](quick=args.quick)
    return status


if __name__ == "__main__":
    sys.exit(main())
