"""Run the benchmarks in turn and print a summary: ``python -m benchmarks [name …]``.

Each module in ``MODULES`` that can be imported and defines ``run() -> None`` is one benchmark;
it prints its own figures. Names on the command line run only those (``python -m benchmarks
survey``).
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback

MODULES = ["survey", "dashboards", "pdfs", "scale", "cluster"]
# Run when no name is given; "scale" (most of an hour) and "cluster" (two app servers and two
# workers) need PostgreSQL, so only by name.
DEFAULT = ["survey", "dashboards", "pdfs"]


def main(argv: list[str]) -> int:
    wanted = argv or DEFAULT
    unknown = [name for name in wanted if name not in MODULES]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(MODULES)}")
        return 2
    summary: list[tuple[str, str, float]] = []
    for name in wanted:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ImportError as error:
            summary.append((name, f"skipped ({error})", 0.0))
            continue
        run = getattr(module, "run", None)
        if not callable(run):
            summary.append((name, "skipped (no run())", 0.0))
            continue
        started = time.perf_counter()
        try:
            run()
            outcome = "done"
        except Exception:
            traceback.print_exc()
            outcome = "FAILED"
        summary.append((name, outcome, time.perf_counter() - started))
    print("\n== Benchmarks ==")
    print(f"{'benchmark':<12} {'outcome':<40} {'seconds':>8}")
    for name, outcome, seconds in summary:
        print(f"{name:<12} {outcome:<40} {seconds:>8.1f}")
    return 1 if any(outcome == "FAILED" for _, outcome, _ in summary) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
