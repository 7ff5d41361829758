"""Observation benchmarks: what tracing costs a run, and how well and how fast claims are checked.

- Tracing overhead: the same run of idle agents (so what is timed is the conductor) with tracing
  on and off, side by side in one process. Target: at most 1 ms per step.
- Hallucination check: recall and false-positive rate on scripted texts that invent claims at a
  known rate; the check's speed on large evidence against a linear scan (the baseline).
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench import bench_conductor

from overture.observe import EvidenceIndex, check_text, extract_claims
from overture.observe.calibration import calibrate, scripted_text
from overture.observe.tracing import TRACES_ENV

__all__ = ["run"]

STEPS = bench_conductor.STEPS
TARGET_OVERHEAD_MS = 1.0
"""Steps per run: the conductor benchmark's run of idle agents, reused here."""


def _median_step_ms(traced: bool, root: Path) -> float:
    previous = os.environ.get(TRACES_ENV)
    os.environ[TRACES_ENV] = "on" if traced else "off"
    try:
        return bench_conductor.per_step_ms(False, root)["median_ms"]
    finally:
        if previous is None:
            os.environ.pop(TRACES_ENV, None)
        else:
            os.environ[TRACES_ENV] = previous


def _tracing(root: Path, rounds: int = 3) -> dict[str, object]:
    on: list[float] = []
    off: list[float] = []
    for i in range(rounds):  # alternated, so both see the same machine
        off.append(_median_step_ms(False, root / f"off-{i}"))
        on.append(_median_step_ms(True, root / f"on-{i}"))
    overhead = statistics.median(on) - statistics.median(off)
    return {
        "steps_per_run": STEPS,
        "untraced_median_ms_per_step": statistics.median(off),
        "traced_median_ms_per_step": statistics.median(on),
        "overhead_ms_per_step": overhead,
        "target_overhead_ms": TARGET_OVERHEAD_MS,
        "meets_target": overhead <= TARGET_OVERHEAD_MS,
    }


def _linear_check(text: str, numbers: list[float], rel_tol: float = 0.005) -> int:
    """The baseline: every claim compared with every evidence number."""
    unsupported = 0
    for claim in extract_claims(text):
        if claim.value is None:
            continue
        tol = max(claim.half_unit, rel_tol * abs(claim.value))
        value = abs(claim.value)
        found = any(abs(value - n) <= tol or abs(value / 100 - n) <= tol / 100 for n in numbers)
        unsupported += not found
    return unsupported


def _speed(texts: int = 200, evidence_size: int = 20_000) -> dict[str, object]:
    rng = np.random.default_rng(1)
    numbers = [float(x) for x in rng.uniform(0, 100_000, evidence_size).round(2)]
    corpus = [scripted_text(rng, 0.2).text for _ in range(texts)]
    claims = sum(len(extract_claims(text)) for text in corpus)
    started = time.perf_counter()
    index = EvidenceIndex.of(numbers)
    for text in corpus:
        check_text(text, index)
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    for text in corpus:
        _linear_check(text, numbers)
    linear = time.perf_counter() - started
    return {
        "texts": texts,
        "claims": claims,
        "evidence_numbers": evidence_size,
        "indexed_claims_per_second": claims / indexed,
        "linear_scan_claims_per_second": claims / linear,
        "speedup": linear / indexed,
    }


def _accuracy() -> dict[str, object]:
    figures: dict[str, object] = {}
    for rate in (0.05, 0.2, 0.5):
        result = calibrate(1000, rate, seed=42)
        figures[f"invent_rate_{rate}"] = {
            "texts": result.texts,
            "invented": result.invented,
            "caught": result.caught,
            "recall": result.recall,
            "grounded": result.grounded,
            "false_positives": result.false_positives,
            "false_positive_rate": result.false_positive_rate,
        }
    return figures


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        tracing = _tracing(Path(tmp))
    return {
        "tracing": tracing,
        "hallucination_check": _accuracy(),
        "check_speed": _speed(),
    }


if __name__ == "__main__":
    # The plugin registers from the imported module: run that one, so both see the same timings.
    results = importlib.import_module("bench.bench_observe").run()
    out = Path(__file__).parent / "results" / "observe.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    json.dump(results, sys.stdout, indent=2)
    print()
