"""``make bench``: run every ``bench/bench_*.py`` (or those named) and write bench/results/.

Each module measures its targets side by side with a baseline in the same run and returns its
figures; they are written to ``bench/results/<name>.json`` and printed.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

from rich.console import Console

__all__ = ["main"]

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    console = Console()
    modules = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    chosen = [m for m in modules if not names or m in names]
    unknown = sorted(set(names) - set(modules))
    if unknown:
        console.print(
            f"[red]unknown benchmark(s): {', '.join(unknown)}[/red]; known: {', '.join(modules)}"
        )
        return 2
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    for name in chosen:
        console.rule(f"bench {name}")
        started = time.perf_counter()
        module = importlib.import_module(f"bench.bench_{name}")
        results = module.run()
        results["_seconds"] = round(time.perf_counter() - started, 2)
        (results_dir / f"{name}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
        console.print_json(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
