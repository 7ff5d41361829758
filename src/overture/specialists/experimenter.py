"""The experimenter: designs each cycle's test and reads the results honestly.

Design: every candidate line is an arm, a fixed holdout keeps the usual newsletter, and a power
calculation says how large an arm must be to see the lift the objective asks for (shown before
the send).

Allocation: Thompson sampling on human opens, per segment, through the model of what each
feature of a line is worth there (:mod:`overture.specialists.line_effects`, fitted to every line
tried): each line gets the share of the segment's sends equal to its posterior chance of being
the segment's best, so a line's record informs every line that shares its features, and a small
segment borrows from everyone. Within a budget of cycles, that share is mixed with the posterior
mean's choice by the share of sends still to come
(:func:`~overture.specialists.base.exploration_weight`), so the run learns early and uses what
it learned late; the last send explores nothing. Every line keeps a floor, and a line with fewer
than :data:`MIN_SENDS_PER_ARM` sends a larger exploration share, scaled the same way. A segment
where no line has enough sends yet is reported as "insufficient data".

Beside the holdout, a practice group of :data:`PRACTICE_SHARE` of the profiles gets what an
email service offers out of the box, so the run can say what it adds over it: the first cycle's
first two lines tested 50/50 at the usual moment, then the one more people opened (as people: a
fairer judge than the raw opens an email service counts) sent to the group every cycle after.

Analysis: beta-binomial posteriors (probability best, expected loss) and, against the holdout,
p-values controlled for multiple testing with Benjamini-Hochberg.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field, JsonValue
from scipy.stats import norm

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.records import Fact
from overture.specialists._facts import as_dict, as_dicts, as_results
from overture.specialists.base import Specialist, exploration_weight
from overture.specialists.compliance import CONTROL, PRACTICE_ARMS
from overture.specialists.copy_generator import LineSpec
from overture.specialists.line_effects import chance_best, fit_line_effects, spec_vector
from overture.stats import (
    BetaPosterior,
    benjamini_hochberg,
    expected_loss,
    minimum_detectable_effect,
    probability_best,
    sample_size_two_proportions,
)

__all__ = ["AllocationRequest", "Design", "Experimenter", "PowerRequest"]

HOLDOUT_SHARE = 0.10
PRACTICE_SHARE = 0.10
"""Share of profiles that get the A/B-then-winner practice, the comparison beside the holdout."""
MIN_SENDS_PER_ARM = 200
"""Sends a line needs before it loses its exploration share."""
FLOOR = 0.02
"""Share of each segment's sends every line keeps."""
NEW_ARM_SHARE = 0.05
"""Share of each segment's sends a line without enough results yet keeps, to learn about it."""

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
    specs: dict[str, dict[str, JsonValue]]
    """Each line's features (every line with results, and every arm)."""
    segments: list[str]
    results: dict[str, dict[str, list[int]]]
    seed: int
    explore: float = Field(default=1.0, ge=0.0, le=1.0)
    """Weight of learning against using what is known: 1 is plain Thompson sampling, 0 sends
    each segment to its best line by the posterior mean (floors aside)."""


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
    practice_share: float
    practice_shares: dict[str, float]
    """The practice group's split: 50/50 in the first cycle, all to the winner after."""
    arms: list[str]
    lines: dict[str, dict[str, str]]
    """Every arm's line, the practice group's included."""
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


def _allocate(request: AllocationRequest, _: ToolContext) -> Allocation:
    counts = _counts(request.results)
    rng = np.random.default_rng(request.seed)
    specs = {arm: LineSpec(**spec) for arm, spec in request.specs.items()}  # type: ignore[arg-type]
    model = fit_line_effects(specs, request.results, request.segments)
    vectors = np.array([spec_vector(specs[arm]) for arm in request.arms], dtype=np.float64)
    sent = {arm: sum(v[1] for v in counts.get(arm, {}).values()) for arm in request.arms}
    # Every line keeps the floor; one with too few sends anywhere keeps an exploration share,
    # scaled like the rest of the exploration.
    floors = np.array(
        [
            max(NEW_ARM_SHARE * request.explore, FLOOR) if sent[arm] < MIN_SENDS_PER_ARM else FLOOR
            for arm in request.arms
        ]
    )
    floors *= min(1.0, 0.5 / floors.sum())
    shares: dict[str, dict[str, float]] = {}
    insufficient: list[str] = []
    best: dict[str, dict[str, float]] = {}
    loss: dict[str, dict[str, float]] = {}
    for segment in request.segments:
        arms = {arm: counts.get(arm, {}).get(segment, (0, 0)) for arm in request.arms}
        if not any(n >= MIN_SENDS_PER_ARM for _, n in arms.values()):
            insufficient.append(segment)  # the model leans on everyone's counts here
        if model is None:
            chance = np.full(len(request.arms), 1 / len(request.arms))
        else:
            greedy = _one_hot(vectors @ model.effects(segment))
            sampled = chance_best(model, segment, vectors, rng) if request.explore else greedy
            chance = (1.0 - request.explore) * greedy + request.explore * sampled
        split = floors + (1.0 - floors.sum()) * chance
        shares[segment] = dict(zip(request.arms, split.tolist(), strict=True))
        posteriors = {arm: BetaPosterior.from_counts(s, n) for arm, (s, n) in arms.items()}
        best[segment] = {k: round(v, 4) for k, v in probability_best(posteriors, rng).items()}
        loss[segment] = {k: round(v, 6) for k, v in expected_loss(posteriors, rng).items()}
    return Allocation(
        shares={seg: {a: round(v, 6) for a, v in s.items()} for seg, s in shares.items()},
        insufficient=insufficient,
        probability_best=best,
        expected_loss=loss,
    )


def _practice_lines(brief: Brief, first_lines: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """The practice group's two lines: the first cycle's first two, kept for the run."""
    kept = as_dict(brief.fact("experiment.practice")) if brief.has("experiment.practice") else {}
    if set(kept) == set(PRACTICE_ARMS):
        return {arm: {k: str(v) for k, v in as_dict(kept[arm]).items()} for arm in PRACTICE_ARMS}
    pair = (first_lines * 2)[:2]  # one line only: the practice tests it against itself
    return dict(zip(PRACTICE_ARMS, pair, strict=True))


def _practice_shares(results: dict[str, dict[str, list[int]]]) -> dict[str, float]:
    """50/50 until both practice lines have results, then everything to the better one."""
    rates: dict[str, float] = {}
    for arm in PRACTICE_ARMS:
        opened = sum(v[0] for v in results.get(arm, {}).values())
        delivered = sum(v[1] for v in results.get(arm, {}).values())
        if delivered:
            rates[arm] = opened / delivered
    if len(rates) < len(PRACTICE_ARMS):
        return dict.fromkeys(PRACTICE_ARMS, 0.5)
    winner = max(PRACTICE_ARMS, key=lambda arm: rates[arm])  # the first line on a tie
    return {winner: 1.0}


def _one_hot(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    chance = np.zeros(scores.shape[0])
    chance[int(np.argmax(scores))] = 1.0
    return chance


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
            "allocate",
            "Thompson allocation per segment on the line-feature model.",
            AllocationRequest,
            Allocation,
            _allocate,
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
            wants=frozenset({"experiment.results", "copy.tried", "experiment.practice"}),
            provides=frozenset({"experiment.design", "experiment.practice"}),
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
                per_arm_available=int(
                    sizes * (1 - HOLDOUT_SHARE - PRACTICE_SHARE) / max(len(arms), 1)
                ),
            ),
            brief,
        )
        tried = as_dicts(brief.fact("copy.tried")) if brief.has("copy.tried") else []
        allocation = self.use(
            self.allocate,
            AllocationRequest(
                arms=arms,
                specs={str(c["id"]): as_dict(c["spec"]) for c in (*tried, *candidates)},
                segments=segments,
                results=results,
                seed=self.env.seed + brief.cycle,
                explore=exploration_weight(brief.cycle, brief.cycles_left),
            ),
            brief,
        )
        comparison = self.use(self.compare, ControlComparison(arms=arms, results=results), brief)
        lines = {str(c["id"]): {"en": str(c["en"]), "fr": str(c["fr"])} for c in candidates}
        practice = _practice_lines(brief, [lines[arm] for arm in arms])
        design = Design(
            cycle=brief.cycle,
            holdout_share=HOLDOUT_SHARE,
            practice_share=PRACTICE_SHARE,
            practice_shares=_practice_shares(results),
            arms=arms,
            lines={**lines, **practice},
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
                "allocated there mostly on everyone's results. "
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
                Fact(key="experiment.practice", value=practice, source="allocate"),  # type: ignore[arg-type]
            ),
            text=text,
        )
