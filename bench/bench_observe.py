"""Observation benchmarks: what tracing costs a run, and how well and how fast claims are checked.

- Tracing overhead: the same run of idle agents (so what is timed is the conductor) with tracing
  on and off, side by side in one process. Target: at most 1 ms per step.
- Hallucination check: recall and false-positive rate on scripted texts that invent claims at a
  known rate; the check's speed on large evidence against a linear scan (the baseline).
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Registry
from overture.clock import VirtualClock
from overture.conductor import RunConfig, Runner
from overture.objective import Budgets, Direction, Metric, Objective, Target, TargetKind
from overture.observe import EvidenceIndex, check_text, extract_claims
from overture.observe.calibration import calibrate, scripted_text
from overture.observe.tracing import TRACES_ENV
from overture.records import Fact, Measurement, TaskLedger
from overture.workspace import Workspace

__all__ = ["run"]

STEPS = 150
TARGET_OVERHEAD_MS = 1.0
_turns: list[float] = []


class _Idle:
    def __init__(self, spec: AgentSpec) -> None:
        self.spec = spec

    def run(self, brief: Brief) -> AgentResult:
        facts = tuple(Fact(key=key, value=1, source="idle") for key in sorted(self.spec.provides))
        return AgentResult(facts=facts)


def _environment(workspace: Path, seed: int, settings: Mapping[str, str]) -> Environment:
    return Environment(clock=VirtualClock(datetime(2026, 1, 5, tzinfo=UTC)), workspace=workspace)


def _measure(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    _turns.append(time.perf_counter())
    return Measurement(
        metric="bench", value=0.2, baseline=0.2, lower=0.19, upper=0.26, at=env.clock.now()
    )


def register(registry: Registry) -> None:
    registry.add_environment("bench-observe", _environment)
    registry.add_measure("bench-observe", _measure)
    registry.add_agent(
        "prepare", lambda env: _Idle(AgentSpec("prepare", "Prepare", provides=frozenset({"ready"})))
    )
    registry.add_agent(
        "act",
        lambda env: _Idle(
            AgentSpec("act", "Act every cycle", needs=frozenset({"ready"}), per_cycle=True)
        ),
    )


def _config(workspace: Path) -> RunConfig:
    objective = Objective(
        text="bench",
        metric=Metric.HUMAN_OPEN_RATE,
        direction=Direction.INCREASE,
        target=Target(kind=TargetKind.RELATIVE, value=0.5),
        budgets=Budgets(max_steps=STEPS, max_cycles=10 * STEPS),
    )
    return RunConfig(
        objective=objective,
        environment="bench-observe",
        measure="bench-observe",
        agents=("prepare", "act"),
        reviewers=(),
        plugins=("bench.bench_observe:register",),
        workspace=str(workspace),
        flat_steps=10 * STEPS,
        max_repeats=10 * STEPS,
    )


def _median_step_ms(traced: bool, root: Path) -> float:
    previous = os.environ.get(TRACES_ENV)
    os.environ[TRACES_ENV] = "on" if traced else "off"
    try:
        _turns.clear()
        with Runner(Workspace(root), durable=False) as runner:
            runner.run(_config(root))
        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(_turns)]
        return statistics.median(gaps)
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
