"""Run the benchmarks: `python -m benchmarks [NAME ...|all] [--quick]`.

With no name, `perf` runs: issue 14's whole table, every row against its anchor at 10, 100 and
300 efforts (docs/performance.md). It alone takes about 5 minutes on 2 cores, so the older
benchmarks run by name, or all of them with `all`:
`gate` (100 branches against the `merge-base` + `diff --numstat` loop), `split` (the split
planner's evaluation on real history), `integrate` (a 30-effort wave against the pairwise
`merge-tree` loop).
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import gate_bench, integrate_bench, perf, split_eval

BENCHMARKS = {
    "perf": perf.main,
    "gate": gate_bench.main,
    "split": split_eval.main,
    "integrate": integrate_bench.main,
}
DEFAULT = ["perf"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"which to run: {', '.join(BENCHMARKS)}, or all (default: {', '.join(DEFAULT)})",
    )
    parser.add_argument("--quick", action="store_true", help="fewer branches and repeats (a smoke test)")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if args.names == ["all"] else args.names or DEFAULT
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)} or all")
    status = 0
    for name in names:
        status |= BENCHMARKS[name](quick=args.quick)
    return status


if __name__ == "__main__":
    sys.exit(main())
