"""The outcome benchmark: scenarios × policies × seeds, run side by side on the simulator.

Every run starts from the same world for a given scenario and seed: the population, then a
warm-up of weekly newsletters as the history sent them (so fatigue is at its steady state and
policies have a feed to read). Then each policy plans one send a week for ``cycles`` weeks
through the channel; suppression (unsubscribes, complaints, hard bounces) is read from the
public feed, as the send-path guard would. The ground truth scores each cycle: the realized
human-open rate, against the usual send's expected rate (the baseline) and the oracle's best.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from overture.exceptions import RegistryError
from overture.sim.policies import (
    OUTCOME_POLICIES,
    CycleContext,
    PolicySetup,
    localized_subjects,
)
from overture.sim.scenario import Scenario, load_scenario
from overture.sim.simulation import Simulation

__all__ = ["OutcomeReport", "OutcomeRun", "OutcomeSummary", "run_outcome", "write_outcome"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class OutcomeRun(BaseModel):
    """One scenario, one policy, one seed."""

    model_config = _FROZEN
    scenario: str
    policy: str
    seed: int
    baseline_rate: float
    """Expected human-open rate of the usual send at the first cycle."""
    oracle_rate: float
    """Best expected human-open rate reachable at the first cycle (best hour and line each)."""
    rates: list[float | None]
    """Realized human-open rate (human opens per delivered) of each cycle; None if skipped."""
    final_rate: float
    """Realized human-open rate of the last cycle that sent."""
    lift: float
    """final_rate / baseline_rate - 1."""
    percent_of_oracle: float
    """final_rate / oracle_rate × 100."""
    regret: float
    """oracle_rate - final_rate."""
    cycles_to_target: int | None
    """First cycle (1-based) whose rate reached the target lift; None if never."""
    sends: int
    """Messages sent over all cycles."""
    unsubscribes: int
    """Unsubscribes over all cycles."""


class OutcomeSummary(BaseModel):
    """A scenario and policy, averaged over seeds."""

    model_config = _FROZEN
    scenario: str
    policy: str
    seeds: int
    final_rate: float
    lift: float
    percent_of_oracle: float
    cycles_to_target: float | None
    """Mean over the seeds that reached the target; None if none did."""
    reached: int
    """How many seeds reached the target."""
    sends: float
    unsubscribes: float


class OutcomeReport(BaseModel):
    """Everything one benchmark run measured."""

    model_config = _FROZEN
    contacts: int
    cycles: int
    warmup_weeks: int
    target_lift: float
    scenarios: list[str]
    policies: list[str]
    seeds: list[int]
    runs: list[OutcomeRun]
    summary: list[OutcomeSummary] = Field(default_factory=list[OutcomeSummary])


def run_outcome(
    scenarios: Sequence[str | Scenario],
    policies: Sequence[str],
    seeds: Sequence[int],
    *,
    contacts: int = 10_000,
    cycles: int = 8,
    warmup_weeks: int = 8,
    target_lift: float = 0.2,
) -> OutcomeReport:
    """Run every policy on every scenario and seed; see the module docstring for the protocol."""
    unknown = [name for name in policies if name not in OUTCOME_POLICIES]
    if unknown:
        raise RegistryError(
            f"no outcome policy named {', '.join(unknown)}",
            f"use one of {', '.join(sorted(OUTCOME_POLICIES))}",
        )
    if cycles < 1 or contacts < 1 or not seeds or not policies or not scenarios:
        raise ValueError("need at least one scenario, policy, seed, cycle and contact")
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    runs = [
        _run(scenario, policy, seed, contacts, cycles, warmup_weeks, target_lift)
        for scenario in loaded
        for seed in seeds
        for policy in policies
    ]
    return OutcomeReport(
        contacts=contacts,
        cycles=cycles,
        warmup_weeks=warmup_weeks,
        target_lift=target_lift,
        scenarios=[s.name for s in loaded],
        policies=list(policies),
        seeds=list(seeds),
        runs=runs,
        summary=_summarize(runs, [s.name for s in loaded], policies),
    )


def _run(
    scenario: Scenario,
    policy: str,
    seed: int,
    contacts: int,
    cycles: int,
    warmup: int,
    target_lift: float,
) -> OutcomeRun:
    sim = Simulation.create(scenario, seed, contacts=contacts)
    for week in range(warmup):
        sim.send(sim.static_plan(week), f"warmup-{week}")
    day = sim.send_day()
    baseline = sim.oracle.expected_rate(sim.static_plan(warmup))
    candidates = localized_subjects(scenario.subjects.candidates)
    oracle_rate = sim.oracle.best_rate(candidates, contacts=sim.mailable(), day=day).rate

    entry = OUTCOME_POLICIES[policy]
    setup = PolicySetup(
        audience=sim.audience,
        history=scenario.history,
        generic=scenario.subjects.generic,
        candidates=scenario.subjects.candidates,
        rng=np.random.default_rng(np.random.SeedSequence([seed, 7])),
        oracle=sim.oracle if entry.ground_truth else None,
    )
    agent = entry.factory(setup)
    rates: list[float | None] = []
    sends = unsubscribes = 0
    reached: int | None = None
    for cycle in range(cycles):
        start = sim.clock.now()
        context = CycleContext(cycle=warmup + cycle, monday=sim.monday, contacts=sim.mailable())
        plan = agent.plan(context)
        sent = sim.send(plan, f"{policy}-{seed}-cycle-{cycle}")
        agent.observe(sim.channel.event_table(start, sim.clock.now()))
        if sent is None:
            rates.append(None)
            continue
        rate = sent.human_open_rate
        rates.append(rate)
        sends += int(sent.contacts.shape[0])
        unsubscribes += int(sent.unsubscribed.sum())
        if reached is None and rate >= baseline * (1.0 + target_lift):
            reached = cycle + 1
    final = next((r for r in reversed(rates) if r is not None), 0.0)
    return OutcomeRun(
        scenario=scenario.name,
        policy=policy,
        seed=seed,
        baseline_rate=baseline,
        oracle_rate=oracle_rate,
        rates=rates,
        final_rate=final,
        lift=final / baseline - 1.0 if baseline else 0.0,
        percent_of_oracle=100.0 * final / oracle_rate if oracle_rate else 0.0,
        regret=oracle_rate - final,
        cycles_to_target=reached,
        sends=sends,
        unsubscribes=unsubscribes,
    )


def _summarize(
    runs: list[OutcomeRun], scenarios: list[str], policies: Sequence[str]
) -> list[OutcomeSummary]:
    summary: list[OutcomeSummary] = []
    for scenario in scenarios:
        for policy in policies:
            group = [r for r in runs if r.scenario == scenario and r.policy == policy]
            hits = [r.cycles_to_target for r in group if r.cycles_to_target is not None]
            summary.append(
                OutcomeSummary(
                    scenario=scenario,
                    policy=policy,
                    seeds=len(group),
                    final_rate=float(np.mean([r.final_rate for r in group])),
                    lift=float(np.mean([r.lift for r in group])),
                    percent_of_oracle=float(np.mean([r.percent_of_oracle for r in group])),
                    cycles_to_target=float(np.mean(hits)) if hits else None,
                    reached=len(hits),
                    sends=float(np.mean([r.sends for r in group])),
                    unsubscribes=float(np.mean([r.unsubscribes for r in group])),
                )
            )
    return summary


def write_outcome(report: OutcomeReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``outcome.json`` and ``outcome.html`` (plotly, works offline) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "outcome.json"
    json_path.write_text(json.dumps(report.model_dump(mode="json"), indent=2), encoding="utf-8")
    html_path = out_dir / "outcome.html"
    html_path.write_text(_html(report), encoding="utf-8")
    return json_path, html_path


def _html(report: OutcomeReport) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    scenarios = report.scenarios
    rates = make_subplots(rows=1, cols=len(scenarios), subplot_titles=scenarios, shared_yaxes=True)
    cycles = list(range(1, report.cycles + 1))
    for column, scenario in enumerate(scenarios, start=1):
        group = [r for r in report.runs if r.scenario == scenario]
        for policy in report.policies:
            runs = [r for r in group if r.policy == policy]
            series = [
                float(np.mean([r.rates[c] or 0.0 for r in runs])) for c in range(report.cycles)
            ]
            rates.add_trace(
                go.Scatter(
                    x=cycles,
                    y=series,
                    mode="lines+markers",
                    name=policy,
                    legendgroup=policy,
                    showlegend=column == 1,
                ),
                row=1,
                col=column,
            )
        for label, value, dash in (
            ("baseline", float(np.mean([r.baseline_rate for r in group])), "dot"),
            ("oracle", float(np.mean([r.oracle_rate for r in group])), "dash"),
        ):
            rates.add_trace(
                go.Scatter(
                    x=cycles,
                    y=[value] * len(cycles),
                    mode="lines",
                    name=label,
                    legendgroup=label,
                    showlegend=column == 1,
                    line={"dash": dash, "color": "grey"},
                ),
                row=1,
                col=column,
            )
    rates.update_layout(title="Human-open rate by cycle (mean over seeds)", height=420)
    rates.update_yaxes(tickformat=".0%")
    lifts = go.Figure(
        [
            go.Bar(
                name=policy,
                x=scenarios,
                y=[s.lift for s in report.summary if s.policy == policy],
            )
            for policy in report.policies
        ]
    )
    lifts.update_layout(
        title="Lift of the final human-open rate over the baseline",
        barmode="group",
        height=380,
        yaxis={"tickformat": "+.0%"},
    )
    rows = "".join(
        f"<tr><td>{s.scenario}</td><td>{s.policy}</td><td>{s.final_rate:.1%}</td>"
        f"<td>{s.lift:+.1%}</td><td>{s.percent_of_oracle:.0f}%</td>"
        f"<td>{'-' if s.cycles_to_target is None else f'{s.cycles_to_target:.1f}'}</td>"
        f"<td>{s.sends:,.0f}</td><td>{s.unsubscribes:,.0f}</td></tr>"
        for s in report.summary
    )
    table = (
        "<table><tr><th>scenario</th><th>policy</th><th>final human-open rate</th>"
        "<th>lift</th><th>% of oracle</th><th>cycles to target</th><th>sends</th>"
        f"<th>unsubscribes</th></tr>{rows}</table>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Outcome benchmark</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;"
        "text-align:right}</style></head><body><h1>Outcome benchmark</h1>"
        f"<p>{report.contacts:,} contacts, {report.cycles} weekly cycles after "
        f"{report.warmup_weeks} warm-up weeks, seeds {report.seeds}, target "
        f"{report.target_lift:+.0%}.</p>{table}"
        + rates.to_html(full_html=False, include_plotlyjs=True)
        + lifts.to_html(full_html=False, include_plotlyjs=False)
        + "</body></html>"
    )
