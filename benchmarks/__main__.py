"""Run every benchmark module of this package that defines ``run()`` (``python -m benchmarks``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main(argv: list[str]) -> int:
    wanted = set(argv)
    for module_info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_") or (wanted and module_info.name not in wanted):
            continue
        module = importlib.import_module(f"benchmarks.{module_info.name}")
        if callable(getattr(module, "run", None)):
            module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
