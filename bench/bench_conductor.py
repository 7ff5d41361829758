"""Conductor benchmarks: its own overhead per step, durable vs plain, and 100 concurrent runs.

Agents here do no work at all (no I/O, no model of their own), so what is timed is the
conductor: the offline model's decision through pydantic-ai, the brief, the event log and, in
the durable case, DBOS's step checkpoints. Target: median <= 5 ms per step with durability.
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Registry
from overture.clock import VirtualClock
from overture.conductor import RunConfig, Runner
from overture.objective import Budgets, Direction, Metric, Objective, Target, TargetKind
from overture.records import Fact, Measurement, OutcomeKind, TaskLedger
from overture.workspace import Workspace

__all__ = ["per_step_ms", "register", "run"]

STEPS = 200
TARGET_MS = 5.0
_turn_times: list[float] = []


class _Idle:
    def __init__(self, spec: AgentSpec) -> None:
        self.spec = spec

    def run(self, brief: Brief) -> AgentResult:
        facts = tuple(Fact(key=key, value=1, source="idle") for key in sorted(self.spec.provides))
        return AgentResult(facts=facts)


def _environment(workspace: Path, seed: int, settings: Mapping[str, str]) -> Environment:
    return Environment(clock=VirtualClock(datetime(2026, 1, 5, tzinfo=UTC)), workspace=workspace)


def _measure(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    _turn_times.append(time.perf_counter())
    return Measurement(
        metric="bench", value=0.2, baseline=0.2, lower=0.19, upper=0.26, at=env.clock.now()
    )


def register(registry: Registry) -> None:
    registry.add_environment("bench", _environment)
    registry.add_measure("bench", _measure)
    registry.add_agent(
        "prepare", lambda env: _Idle(AgentSpec("prepare", "Prepare", provides=frozenset({"ready"})))
    )
    registry.add_agent(
        "act",
        lambda env: _Idle(
            AgentSpec("act", "Act each cycle", needs=frozenset({"ready"}), per_cycle=True)
        ),
    )


def _config(workspace: Path, steps: int) -> RunConfig:
    objective = Objective(
        text="bench",
        metric=Metric.HUMAN_OPEN_RATE,
        direction=Direction.INCREASE,
        target=Target(kind=TargetKind.RELATIVE, value=0.2),
        budgets=Budgets(max_steps=steps, max_cycles=10_000, max_tokens=10**9),
    )
    return RunConfig(
        objective=objective,
        environment="bench",
        measure="bench",
        agents=("prepare", "act"),
        plugins=("bench.bench_conductor:register",),
        workspace=str(workspace),
        flat_steps=10**6,
    )


def per_step_ms(durable: bool, root: Path) -> dict[str, float]:
    _turn_times.clear()
    with Runner(Workspace(root), durable=durable) as runner:
        _, outcome = runner.run(_config(root, STEPS))
    assert outcome.kind is OutcomeKind.BUDGET_EXHAUSTED, outcome.summary
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(_turn_times)]
    return {
        "median_ms": statistics.median(gaps),
        "p90_ms": statistics.quantiles(gaps, n=10)[-1],
        "steps": len(gaps) + 1,
    }


def _concurrent(root: Path, runs: int) -> dict[str, float]:
    started = time.perf_counter()
    with Runner(Workspace(root)) as runner:
        ids = [runner.start(_config(root, 20)) for _ in range(runs)]
        outcomes = [runner.wait(run_id) for run_id in ids]
    finished = sum(o.kind is OutcomeKind.BUDGET_EXHAUSTED for o in outcomes)
    return {"runs": runs, "finished": finished, "seconds": time.perf_counter() - started}


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plain = per_step_ms(False, root / "plain")
        durable = per_step_ms(True, root / "durable")
        concurrent = _concurrent(root / "concurrent", 100)
    return {
        "conductor_step_durable": durable,
        "conductor_step_plain_baseline": plain,
        "durability_overhead_ms": durable["median_ms"] - plain["median_ms"],
        "target_median_ms": TARGET_MS,
        "meets_target": durable["median_ms"] <= TARGET_MS,
        "concurrent_runs": concurrent,
    }


if __name__ == "__main__":
    # The plugin is imported by name; time through that module, not this __main__ copy.
    from bench import bench_conductor

    results = bench_conductor.run()
    out = Path("bench/results/conductor.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    json.dump(results, sys.stdout, indent=2)
