"""The experimenter: designs each cycle's test and reads the results honestly.

Design: every candidate line is an arm, a fixed holdout keeps the usual newsletter, and a power
calculation says how large an arm must be to see the lift the objective asks for (shown before
the send). Allocation: a line without enough sends yet gets a small fixed exploration share;
the rest goes by Thompson sampling on human opens, per segment: a line is judged on the
segment's own counts once it has enough sends there and on everyone's until then (a floor per
arm); a segment where no line has enough sends yet gets the pooled allocation and is reported
as "insufficient data". Analysis: beta-binomial posteriors
(probability best, expected loss) and, against the holdout, p-values controlled for multiple
testing with Benjamini-Hochberg.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel
from scipy.stats import norm

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.records import Fact
from overture.specialists._facts import as_dict, as_dicts, as_results
from overture.specialists.base import Specialist
from overture.stats import (
    BetaPosterior,
    benjamini_hochberg,
    expected_loss,
    minimum_detectable_effect,
    probability_best,
    sample_size_two_proportions,
    thompson_allocation,
)

__all__ = ["AllocationRequest", "Design", "Experimenter", "PowerRequest"]

HOLDOUT_SHARE = 0.10
MIN_SENDS_PER_ARM = 200
"""Sends an arm needs in a segment before Thompson sampling reweights it there."""
FLOOR = 0.02
NEW_ARM_SHARE = 0.05
"""Share of the send each line without enough results yet gets, to learn about it."""
CONTROL = "control"

Counts = dict[str, dict[str, tuple[int, int]]]
"""arm -> segment -> (human openers, delivered)."""


class PowerRequest(BaseModel):
    baseline_rate: float
    relative_lift: float
    per_arm_available: int


class Power(BaseModel):
    sample_size_per_arm: int
    minimum_detectable_effect: float


class AllocationRequest(BaseModel):
    arms: list[str]
    segments: list[str]
    results: dict[str, dict[str, list[int]]]
    seed: int


class Allocation(BaseModel):
    shares: dict[str, dict[str, float]]
    insufficient: list[str]
    probability_best: dict[str, dict[str, float]]
    expected_loss: dict[str, dict[str, float]]


class ControlComparison(BaseModel):
    arms: list[str]
    results: dict[str, dict[str, list[int]]]


class Comparison(BaseModel):
    p_values: dict[str, float]
    beats_control: list[str]


class Design(BaseModel):
    cycle: int
    holdout_share: float
    arms: list[str]
    lines: dict[str, dict[str, str]]
    shares: dict[str, dict[str, float]]
    sample_size_per_arm: int
    minimum_detectable_effect: float
    insufficient: list[str]
    probability_best: dict[str, dict[str, float]]
    beats_control: list[str]


def _counts(results: dict[str, dict[str, list[int]]]) -> Counts:
    return {
        arm: {seg: (int(v[0]), int(v[1])) for seg, v in by_segment.items()}
        for arm, by_segment in results.items()
    }


def _power(request: PowerRequest, _: ToolContext) -> Power:
    p = min(max(request.baseline_rate, 1e-4), 0.99)
    needed = sample_size_two_proportions(p, request.relative_lift)
    available = max(request.per_arm_available, 2)
    mde = minimum_detectable_effect(p, available)
    return Power(
        sample_size_per_arm=needed,
        minimum_detectable_effect=round(mde, 4) if math.isfinite(mde) else 1e6,
    )


def _shares(arms: dict[str, tuple[int, int]], rng: np.random.Generator) -> dict[str, float]:
    """New arms get a fixed exploration share; the rest goes by Thompson sampling."""
    new = [arm for arm, (_, n) in arms.items() if n < MIN_SENDS_PER_ARM]
    seasoned = {arm: counts for arm, counts in arms.items() if arm not in new}
    if not seasoned:
        return {arm: 1 / len(arms) for arm in arms}
    explore = min(NEW_ARM_SHARE * len(new), 0.5)
    thompson = thompson_allocation(seasoned, rng, floor=FLOOR, min_trials_per_arm=MIN_SENDS_PER_ARM)
    shares = {arm: (1 - explore) * share for arm, share in thompson.items()}
    shares.update({arm: explore / len(new) for arm in new})
    return shares


def _allocate(request: AllocationRequest, _: ToolContext) -> Allocation:
    counts = _counts(request.results)
    rng = np.random.default_rng(request.seed)
    pooled = {
        arm: (
            sum(v[0] for v in counts.get(arm, {}).values()),
            sum(v[1] for v in counts.get(arm, {}).values()),
        )
        for arm in request.arms
    }
    pooled_shares = _shares(pooled, rng)
    shares: dict[str, dict[str, float]] = {}
    insufficient: list[str] = []
    best: dict[str, dict[str, float]] = {}
    loss: dict[str, dict[str, float]] = {}
    for segment in request.segments:
        arms = {arm: counts.get(arm, {}).get(segment, (0, 0)) for arm in request.arms}
        # An arm is judged on this segment's own counts once it has enough sends there, and on
        # everyone's until then; a segment where no arm has enough yet gets the pooled shares.
        own = {arm for arm, (_, n) in arms.items() if n >= MIN_SENDS_PER_ARM}
        if not own:
            insufficient.append(segment)
            shares[segment] = pooled_shares
        else:
            shares[segment] = _shares(
                {a: arms[a] if a in own else pooled[a] for a in request.arms}, rng
            )
        posteriors = {arm: BetaPosterior.from_counts(s, n) for arm, (s, n) in arms.items()}
        best[segment] = {k: round(v, 4) for k, v in probability_best(posteriors, rng).items()}
        loss[segment] = {k: round(v, 6) for k, v in expected_loss(posteriors, rng).items()}
    return Allocation(
        shares={seg: {a: round(v, 6) for a, v in s.items()} for seg, s in shares.items()},
        insufficient=insufficient,
        probability_best=best,
        expected_loss=loss,
    )


def _compare(request: ControlComparison, _: ToolContext) -> Comparison:
    counts = _counts(request.results)
    control = counts.get(CONTROL, {})
    c_s, c_n = sum(v[0] for v in control.values()), sum(v[1] for v in control.values())
    p_values: dict[str, float] = {}
    for arm in request.arms:
        by_segment = counts.get(arm, {})
        t_s, t_n = sum(v[0] for v in by_segment.values()), sum(v[1] for v in by_segment.values())
        if not t_n or not c_n:
            continue
        pooled = (t_s + c_s) / (t_n + c_n)
        se = math.sqrt(max(pooled * (1 - pooled) * (1 / t_n + 1 / c_n), 1e-12))
        z = (t_s / t_n - c_s / c_n) / se
        p_values[arm] = float(norm.sf(z))  # one-sided: does the arm beat the holdout?
    arms = sorted(p_values)
    rejected = benjamini_hochberg([p_values[a] for a in arms], q=0.05) if arms else []
    return Comparison(
        p_values={a: round(p, 6) for a, p in p_values.items()},
        beats_control=[a for a, r in zip(arms, rejected, strict=True) if r],
    )


class Experimenter(Specialist):
    name = "experimenter"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.power = Tool(
            "power", "Sample size and detectable effect.", PowerRequest, Power, _power
        )
        self.allocate = Tool(
            "allocate", "Thompson allocation per segment.", AllocationRequest, Allocation, _allocate
        )
        self.compare = Tool(
            "compare_to_holdout",
            "Arms against the holdout, FDR-controlled.",
            ControlComparison,
            Comparison,
            _compare,
        )
        self.spec = AgentSpec(
            name=self.name,
            purpose="Design this cycle's subject-line test: arms, holdout, power and allocation",
            needs=frozenset({"copy.candidates", "baseline", "segments"}),
            wants=frozenset({"experiment.results"}),
            provides=frozenset({"experiment.design"}),
            tools=(self.power, self.allocate, self.compare),
            per_cycle=True,
        )

    def act(self, brief: Brief) -> AgentResult:
        candidates = as_dicts(brief.fact("copy.candidates"))
        arms = [str(c["id"]) for c in candidates]
        segments = [str(s["id"]) for s in as_dicts(brief.fact("segments"))]
        sizes = sum(int(str(s["size"])) for s in as_dicts(brief.fact("segments")))
        baseline = as_dict(brief.fact("baseline"))
        raw_results = brief.fact("experiment.results") if brief.has("experiment.results") else {}
        results = as_results(raw_results)
        power = self.use(
            self.power,
            PowerRequest(
                baseline_rate=float(str(baseline.get("human_rate", 0.2))),
                relative_lift=0.2,
                per_arm_available=int(sizes * (1 - HOLDOUT_SHARE) / max(len(arms), 1)),
            ),
            brief,
        )
        allocation = self.use(
            self.allocate,
            AllocationRequest(
                arms=arms, segments=segments, results=results, seed=self.env.seed + brief.cycle
            ),
            brief,
        )
        comparison = self.use(self.compare, ControlComparison(arms=arms, results=results), brief)
        design = Design(
            cycle=brief.cycle,
            holdout_share=HOLDOUT_SHARE,
            arms=arms,
            lines={str(c["id"]): {"en": str(c["en"]), "fr": str(c["fr"])} for c in candidates},
            shares=allocation.shares,
            sample_size_per_arm=power.sample_size_per_arm,
            minimum_detectable_effect=power.minimum_detectable_effect,
            insufficient=allocation.insufficient,
            probability_best=allocation.probability_best,
            beats_control=comparison.beats_control,
        )
        text = (
            f"Cycle {brief.cycle}: {len(arms)} subject lines against a "
            f"{HOLDOUT_SHARE:.0%} holdout. "
            f"To see a +20% lift an arm needs {power.sample_size_per_arm} recipients; with the "
            f"audience split this way the smallest detectable lift is "
            f"{power.minimum_detectable_effect:.1%}. "
            + (
                f"Insufficient data in {', '.join(allocation.insufficient)}: "
                "pooled allocation there. "
                if allocation.insufficient
                else ""
            )
            + (
                f"Beating the holdout after FDR control: {', '.join(comparison.beats_control)}."
                if comparison.beats_control
                else "No arm yet beats the holdout after FDR control."
            )
        )
        return AgentResult(
            output=design.model_dump(mode="json"),
            facts=(
                Fact(
                    key="experiment.design", value=design.model_dump(mode="json"), source="allocate"
                ),
            ),
            text=text,
        )
