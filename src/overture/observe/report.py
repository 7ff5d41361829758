"""Run reports: a self-contained HTML page (plotly, JavaScript embedded), Markdown or JSON.

One report per run, read from its event log and spans: the objective and the measured
trajectory against the target, the decision timeline (who did what, why, on which evidence),
experiments with their posteriors, segments, cost with its price sources, governance (reviews,
approvals, removals by rule), and the KPIs with every unsupported claim.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue

from overture.exceptions import UsageError
from overture.observe.kpis import RunKpis, run_kpis
from overture.runs import (
    ActionDone,
    ActionReviewed,
    AgentFinished,
    ApprovalDecided,
    Decided,
    Event,
    Measured,
    PlanMade,
    Replanned,
    RunEnded,
    RunStore,
)
from overture.stats import BetaPosterior

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "ArmPosterior",
    "GovernanceEntry",
    "ReportFormat",
    "RunReport",
    "SegmentRow",
    "TimelineEntry",
    "TrajectoryPoint",
    "build_report",
    "detail_interval",
    "interval_text",
    "render_html",
    "render_markdown",
    "write_report",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ReportFormat(StrEnum):
    HTML = "html"
    MD = "md"
    JSON = "json"


class TrajectoryPoint(BaseModel):
    model_config = _FROZEN
    seq: int
    at: AwareDatetime
    value: float | None
    lower: float | None
    upper: float | None
    baseline: float
    target: float | None
    met: bool
    sample_size: int
    lift: tuple[float, float, float] | None = None
    """The lift over the baseline with its interval, when the measure gives one."""
    practice_lift: tuple[float, float, float] | None = None
    """The lift over the A/B-then-winner practice with its interval, when the measure has it."""


def detail_interval(detail: dict[str, JsonValue], key: str) -> tuple[float, float, float] | None:
    """``key``, ``key_lower`` and ``key_upper`` of a measurement's detail, if all are there."""
    values = (detail.get(key), detail.get(f"{key}_lower"), detail.get(f"{key}_upper"))
    if any(v is None for v in values):
        return None
    estimate, lower, upper = (float(str(v)) for v in values)
    return estimate, lower, upper


class TimelineEntry(BaseModel):
    """One thing that happened: who did it, what, why, and on which evidence."""

    model_config = _FROZEN
    seq: int
    at: AwareDatetime
    who: str
    what: str
    why: str = ""
    evidence: tuple[str, ...] = ()


class ArmPosterior(BaseModel):
    """One arm of an experiment, with its Beta posterior from a uniform prior."""

    model_config = _FROZEN
    source: str
    arm: str
    successes: int
    trials: int
    mean: float
    lower: float
    upper: float


class SegmentRow(BaseModel):
    model_config = _FROZEN
    source: str
    name: str
    size: int | None
    detail: dict[str, JsonValue]


class GovernanceEntry(BaseModel):
    model_config = _FROZEN
    seq: int
    what: str
    verdict: str
    rules: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


class RunReport(BaseModel):
    """Everything a report shows, as data (the JSON format is this model)."""

    model_config = _FROZEN
    run_id: str
    objective: str
    objective_text: str
    outcome: str | None
    summary: str | None
    started_at: datetime
    ended_at: datetime | None
    kpis: RunKpis
    trajectory: tuple[TrajectoryPoint, ...]
    timeline: tuple[TimelineEntry, ...]
    experiments: tuple[ArmPosterior, ...]
    segments: tuple[SegmentRow, ...]
    governance: tuple[GovernanceEntry, ...]
    removals: dict[str, int]
    """Contacts removed from sends, by the rule that removed them."""


# -- reading the log -------------------------------------------------------------------------------

_SUCCESSES = ("successes", "human_openers", "human_opens", "opens", "clicks", "conversions")
_TRIALS = ("trials", "delivered", "sends", "sent", "recipients", "n")
_SIZES = ("size", "count", "contacts", "members", "n")


def _dicts_with(value: JsonValue, key: str) -> Iterator[dict[str, JsonValue]]:
    """Every JSON object inside ``value`` that has ``key``."""
    if isinstance(value, dict):
        if key in value:
            yield value
        for item in value.values():
            yield from _dicts_with(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _dicts_with(item, key)


def _named(items: JsonValue) -> Iterator[tuple[str, dict[str, JsonValue]]]:
    """``[{"name": ...}, ...]`` or ``{"name": {...}}`` as (name, fields) pairs."""
    if isinstance(items, dict):
        for name, fields in items.items():
            yield name, fields if isinstance(fields, dict) else {"value": fields}
    elif isinstance(items, list):
        for i, fields in enumerate(items):
            if isinstance(fields, dict):
                name = fields.get("name", fields.get("arm", fields.get("id", i)))
                yield str(name), fields


def _int(fields: dict[str, JsonValue], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _posterior(source: str, arm: str, successes: int, trials: int) -> ArmPosterior:
    interval = BetaPosterior.from_counts(successes, trials).interval()
    return ArmPosterior(
        source=source,
        arm=arm,
        successes=successes,
        trials=trials,
        mean=interval.estimate,
        lower=interval.lower,
        upper=interval.upper,
    )


def _counts(fields: dict[str, JsonValue]) -> tuple[int, int] | None:
    successes, trials = _int(fields, _SUCCESSES), _int(fields, _TRIALS)
    if successes is None or trials is None or not 0 <= successes <= trials:
        return None
    return successes, trials


def _arms(source: str, value: JsonValue) -> Iterator[ArmPosterior]:
    """Arms with counts: ``{"arms": [...]}``, or result rows with an ``arm`` (summed per arm)."""
    for holder in _dicts_with(value, "arms"):
        for name, fields in _named(holder["arms"]):
            counts = _counts(fields)
            if counts is not None:
                yield _posterior(source, name, *counts)
    totals: dict[str, list[int]] = {}
    for row in _dicts_with(value, "arm"):
        counts = _counts(row)
        if counts is None or isinstance(row.get("arms"), list | dict):
            continue
        total = totals.setdefault(str(row["arm"]), [0, 0])
        total[0] += counts[0]
        total[1] += counts[1]
    for arm, (successes, trials) in totals.items():
        yield _posterior(source, arm, successes, trials)


def _segments(source: str, value: JsonValue) -> Iterator[SegmentRow]:
    for holder in _dicts_with(value, "segments"):
        for name, fields in _named(holder["segments"]):
            size = _int(fields, _SIZES) if "value" not in fields else _int(fields, ("value",))
            yield SegmentRow(source=source, name=name, size=size, detail=fields)


def _removals(value: JsonValue, into: Counter[str]) -> None:
    """Contacts removed by rule: ``removed`` or ``removed_by_rule`` mappings of rule to count."""
    for key in ("removed_by_rule", "removed"):
        for holder in _dicts_with(value, key):
            _add_removals(holder[key], into)


def _add_removals(removed: JsonValue, into: Counter[str]) -> None:
    if isinstance(removed, dict):
        for rule, count in removed.items():
            if isinstance(count, int) and not isinstance(count, bool):
                into[rule] += count


def _timeline(event: Event) -> TimelineEntry | None:
    p = event.payload
    at, seq = event.at, event.seq
    match p:
        case PlanMade():
            plan = " → ".join(step.agent for step in p.ledger.plan) or "(empty)"
            return TimelineEntry(
                seq=seq,
                at=at,
                who=f"conductor ({p.model})",
                what=f"plan: {plan}",
                why=p.reason,
                evidence=tuple(f"{f.key} ({f.source})" for f in p.ledger.facts),
            )
        case Decided():
            return TimelineEntry(
                seq=seq,
                at=at,
                who=f"conductor ({p.model})",
                what=f"next: {p.progress.next_agent} — {p.progress.instruction}",
                why=p.progress.reason,
            )
        case AgentFinished():
            facts = ", ".join(f"{f.key}={json.dumps(f.value)[:60]}" for f in p.facts)
            return TimelineEntry(
                seq=seq,
                at=at,
                who=p.agent,
                what=f"failed: {p.error}" if p.error else (facts or "finished, no new facts"),
                why=p.text,
                evidence=tuple(e.tool for e in p.evidence),
            )
        case ActionDone():
            return TimelineEntry(
                seq=seq, at=at, who="outbox", what=f"{p.tool} done, {p.sends} sent", why=p.key
            )
        case Measured():
            m = p.measurement
            value = "n/a" if m.value is None else f"{m.value:.4g}"
            return TimelineEntry(
                seq=seq,
                at=at,
                who="measure",
                what=f"{m.metric} = {value} (n={m.sample_size})",
                why="met" if p.met else "out of reach" if p.shown_unreachable else "not yet",
            )
        case Replanned():
            return TimelineEntry(seq=seq, at=at, who="conductor", what="replan", why=p.reason)
        case RunEnded():
            return TimelineEntry(
                seq=seq, at=at, who="conductor", what=f"ended {p.outcome.kind.value}", why=""
            )
        case _:
            return None


def _read_result(
    source: str,
    p: AgentFinished,
    experiments: list[ArmPosterior],
    segments: list[SegmentRow],
    removals: Counter[str],
) -> None:
    """Experiments, segments and removals of one agent's step, from its tool outputs; from its
    output only when the tools showed none (an output often repeats a tool's, not to count twice).
    """
    tools: list[JsonValue] = [e.output for e in p.evidence]
    arms = [arm for value in tools for arm in _arms(source, value)]
    experiments.extend(arms or _arms(source, p.output))
    found = [row for value in tools for row in _segments(source, value)]
    segments.extend(found or _segments(source, p.output))
    removed: Counter[str] = Counter()
    for value in tools:
        _removals(value, removed)
    if not removed:
        _removals(p.output, removed)
    removals.update(removed)


def build_report(store: RunStore, run_id: str, *, send_price_usd: float | None = None) -> RunReport:
    """Everything the report of ``run_id`` shows, read from ``store``."""
    summary = store.run(run_id)
    events = store.events(run_id)
    kpis = run_kpis(store, run_id, send_price_usd=send_price_usd)
    trajectory: list[TrajectoryPoint] = []
    timeline: list[TimelineEntry] = []
    experiments: list[ArmPosterior] = []
    segments: list[SegmentRow] = []
    governance: list[GovernanceEntry] = []
    removals: Counter[str] = Counter()
    step = 0
    for event in events:
        p = event.payload
        entry = _timeline(event)
        if entry is not None:
            timeline.append(entry)
        match p:
            case Measured():
                m = p.measurement
                trajectory.append(
                    TrajectoryPoint(
                        seq=event.seq,
                        at=event.at,
                        value=m.value,
                        lower=m.lower,
                        upper=m.upper,
                        baseline=m.baseline,
                        target=p.target,
                        met=p.met,
                        sample_size=m.sample_size,
                        lift=detail_interval(m.detail, "lift"),
                        practice_lift=detail_interval(m.detail, "practice_lift"),
                    )
                )
            case AgentFinished():
                step += 1
                _read_result(f"step {step} ({p.agent})", p, experiments, segments, removals)
            case ActionDone():
                experiments.extend(_arms(f"{p.tool} result", p.result))
                _removals(p.result, removals)
            case ActionReviewed():
                governance.append(
                    GovernanceEntry(
                        seq=event.seq,
                        what=f"{p.agent} → {p.tool}",
                        verdict=p.verdict,
                        rules=p.rules,
                        reasons=p.reasons,
                    )
                )
            case ApprovalDecided():
                verdict = "expired" if p.expired else "approved" if p.approved else "rejected"
                governance.append(
                    GovernanceEntry(
                        seq=event.seq,
                        what=f"approval {p.approval_id}",
                        verdict=verdict,
                        reasons=(p.note,) if p.note else (),
                    )
                )
            case _:
                pass
    return RunReport(
        run_id=run_id,
        objective=summary.objective.describe(),
        objective_text=summary.objective.text,
        outcome=None if summary.outcome is None else summary.outcome.value,
        summary=summary.summary,
        started_at=summary.started_at,
        ended_at=summary.ended_at,
        kpis=kpis,
        trajectory=tuple(trajectory),
        timeline=tuple(timeline),
        experiments=tuple(experiments),
        segments=tuple(segments),
        governance=tuple(governance),
        removals=dict(removals),
    )


# -- rendering -------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _money(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:.4f}"


def _kpi_rows(report: RunReport) -> list[tuple[str, str]]:
    k = report.kpis
    cost = _money(k.cost_usd) + (
        "" if k.cost_complete else f" + {k.unpriced_requests} unpriced calls (not free)"
    )
    return [
        ("outcome", report.outcome or "running or interrupted"),
        ("task completion", f"{_pct(k.completion_rate)} ({k.completed_tasks}/{k.tasks})"),
        (
            "hallucination rate",
            f"{_pct(k.hallucination_rate)} ({k.unsupported_claims}/{k.claims} claims unsupported)",
        ),
        ("model calls", f"{k.model_requests} ({k.input_tokens} in / {k.output_tokens} out tokens)"),
        ("cost", cost),
        ("sends", f"{k.sends} (cost {_money(k.send_cost_usd)})"),
        ("steps · cycles · waits", f"{k.steps} · {k.cycles} · {k.waits}"),
        ("replans (loops, stalls)", f"{k.replans} ({k.loops}, {k.stalls})"),
        (
            "wall time",
            "n/a" if k.wall_seconds is None else f"{k.wall_seconds:.2f} s",
        ),
    ]


def _figures(report: RunReport) -> list[tuple[str, go.Figure]]:
    import plotly.graph_objects as go  # only when a page is drawn: it is slow to import

    figures: list[tuple[str, go.Figure]] = []
    points = [p for p in report.trajectory if p.value is not None]
    if points:
        fig = go.Figure()
        xs = [p.at for p in points]
        if all(p.lower is not None and p.upper is not None for p in points):
            fig.add_trace(
                go.Scatter(
                    x=xs + xs[::-1],
                    y=[p.upper for p in points] + [p.lower for p in points][::-1],
                    fill="toself",
                    fillcolor="rgba(31,119,180,0.15)",
                    line={"width": 0},
                    mode="lines",
                    name="interval",
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(x=xs, y=[p.value for p in points], mode="lines+markers", name="measured")
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[p.baseline for p in points],
                mode="lines",
                name="baseline",
                line={"dash": "dot"},
            )
        )
        if any(p.target is not None for p in points):
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=[p.target for p in points],
                    mode="lines",
                    name="target",
                    line={"dash": "dash"},
                )
            )
        fig.update_layout(title="Objective: measured against the target", yaxis_tickformat=".1%")
        figures.append(("trajectory", fig))
    # A reading is repeated after every turn until the next send's results: one point each.
    lifts: list[TrajectoryPoint] = []
    for p in points:
        previous = (lifts[-1].lift, lifts[-1].practice_lift) if lifts else None
        if p.lift is not None and (p.lift, p.practice_lift) != previous:
            lifts.append(p)
    if lifts:
        fig = go.Figure()
        for name, series in (
            ("over the holdout", [(p.at, p.lift) for p in lifts]),
            ("over the A/B-then-winner practice", [(p.at, p.practice_lift) for p in lifts]),
        ):
            shown = [(at, v) for at, v in series if v is not None]
            if not shown:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[at for at, _ in shown],
                    y=[v[0] for _, v in shown],
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [v[2] - v[0] for _, v in shown],
                        "arrayminus": [v[0] - v[1] for _, v in shown],
                    },
                    mode="lines+markers",
                    name=name,
                )
            )
        fig.update_layout(title="Lift with its interval", yaxis_tickformat="+.0%")
        figures.append(("lift", fig))
    if report.experiments:
        latest = report.experiments[-1].source  # the table has every cycle; the chart the last
        arms = [a for a in report.experiments if a.source == latest]
        fig = go.Figure(
            go.Bar(
                x=[a.arm for a in arms],
                y=[a.mean for a in arms],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [a.upper - a.mean for a in arms],
                    "arrayminus": [a.mean - a.lower for a in arms],
                },
                name="posterior mean",
            )
        )
        fig.update_layout(title=f"Experiments, {latest}: posterior rate per arm (95% interval)")
        figures.append(("experiments", fig))
    latency = [*report.kpis.latency, *(a.latency for a in report.kpis.agents if a.latency)]
    if latency:
        fig = go.Figure(
            go.Bar(
                x=[item.name for item in latency],
                y=[item.mean_ms for item in latency],
                name="mean latency (ms)",
            )
        )
        fig.update_layout(title="Latency per step, agent, tool and model call (mean, ms)")
        figures.append(("latency", fig))
    return figures


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _sections(report: RunReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables: title, headers, rows (shared by HTML and Markdown)."""
    k = report.kpis
    return [
        ("KPIs", ["KPI", "value"], [list(row) for row in _kpi_rows(report)]),
        (
            "Decision timeline",
            ["#", "time", "who", "what", "why", "evidence"],
            [
                [str(t.seq), f"{t.at:%Y-%m-%d %H:%M}", t.who, t.what, t.why, ", ".join(t.evidence)]
                for t in report.timeline
            ],
        ),
        (
            "Experiments",
            ["source", "arm", "successes", "trials", "posterior mean", "95% interval"],
            [
                [
                    a.source,
                    a.arm,
                    str(a.successes),
                    str(a.trials),
                    f"{a.mean:.2%}",
                    f"{a.lower:.2%} to {a.upper:.2%}",
                ]
                for a in report.experiments
            ],
        ),
        (
            "Segments",
            ["source", "segment", "size", "description"],
            [
                [
                    s.source,
                    s.name,
                    "n/a" if s.size is None else str(s.size),
                    str(s.detail.get("description", "")),
                ]
                for s in report.segments
            ],
        ),
        (
            "Cost",
            ["caller", "model", "requests", "tokens in", "tokens out", "cost", "price source"],
            [
                [
                    c.caller,
                    c.model,
                    str(c.requests),
                    str(c.input_tokens),
                    str(c.output_tokens),
                    _money(c.cost_usd),
                    c.price_source,
                ]
                for c in k.cost_lines
            ],
        ),
        (
            "Governance",
            ["#", "what", "verdict", "rules", "reasons"],
            [
                [str(g.seq), g.what, g.verdict, ", ".join(g.rules), "; ".join(g.reasons)]
                for g in report.governance
            ]
            + [
                ["", f"removed by rule {rule}", str(n), rule, ""]
                for rule, n in report.removals.items()
            ],
        ),
        (
            "Per agent",
            ["agent", "tasks", "completion", "hallucination", "cost", "mean latency"],
            [
                [
                    a.agent,
                    str(a.tasks),
                    _pct(a.completion_rate),
                    _pct(a.hallucination_rate),
                    _money(a.cost_usd)
                    + (f" + {a.unpriced_requests} unpriced" if a.unpriced_requests else ""),
                    "n/a" if a.latency is None else f"{a.latency.mean_ms:.1f} ms",
                ]
                for a in k.agents
            ],
        ),
        (
            "Unsupported claims",
            ["#", "author", "where", "claim", "in"],
            [
                [str(f.seq), f.author, f.what, c.text, f.text[:160]]
                for f in k.findings
                for c in f.unsupported
            ],
        ),
    ]


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem;width:100%;font-size:0.9rem}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f4f4f4} .summary{background:#f7f9fc;padding:1rem;border-left:4px solid #1f77b4}
"""


def render_html(report: RunReport) -> str:
    """The report as one self-contained HTML page: plotly.js is embedded, nothing is fetched."""
    charts: list[str] = []
    for i, (name, fig) in enumerate(_figures(report)):
        charts.append(
            fig.to_html(
                full_html=False,
                include_plotlyjs=i == 0,
                div_id=f"chart-{name}",
                config={"displaylogo": False},
            )
        )
    tables = "".join(
        f"<h2>{html.escape(title)}</h2>"
        + (_table(headers, rows) if rows else "<p>None in this run.</p>")
        for title, headers, rows in _sections(report)
    )
    title = f"Overture run {report.run_id}"
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p><strong>Objective:</strong> {html.escape(report.objective)}</p>"
        f"<p class='summary'><strong>{html.escape(report.outcome or 'under way')}</strong> — "
        f"{html.escape(report.summary or 'no outcome yet')}</p>"
        f"{''.join(charts)}{tables}</body></html>"
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: RunReport) -> str:
    lines = [
        f"# Overture run {report.run_id}",
        "",
        f"**Objective:** {report.objective}",
        "",
        f"**{report.outcome or 'under way'}** — {report.summary or 'no outcome yet'}",
        "",
        "## Trajectory",
        "",
    ]
    if report.trajectory:
        lines += [
            "| # | time | measured | interval | baseline | target | met | lift | over the "
            "A/B-then-winner practice |",
            "|---" * 9 + "|",
        ]
        lines += [
            f"| {p.seq} | {p.at:%Y-%m-%d %H:%M} | {_pct(p.value)} | "
            f"{_pct(p.lower)} to {_pct(p.upper)} | {_pct(p.baseline)} | {_pct(p.target)} | "
            f"{'yes' if p.met else 'no'} | {interval_text(p.lift)} | "
            f"{interval_text(p.practice_lift)} |"
            for p in report.trajectory
        ]
    else:
        lines.append("Nothing measured yet.")
    for title, headers, rows in _sections(report):
        lines += ["", f"## {title}", ""]
        if not rows:
            lines.append("None in this run.")
            continue
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|---" * len(headers) + "|")
        lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def interval_text(lift: tuple[float, float, float] | None) -> str:
    """A relative change and its interval, ``+25.0% [+21.0%, +30.0%]``; a dash for none."""
    return "—" if lift is None else f"{lift[0]:+.1%} [{lift[1]:+.1%}, {lift[2]:+.1%}]"


def write_report(
    store: RunStore,
    run_id: str,
    path: Path | str,
    fmt: ReportFormat | str = ReportFormat.HTML,
    *,
    send_price_usd: float | None = None,
) -> Path:
    """Write the report of ``run_id`` to ``path`` as ``html``, ``md`` or ``json``."""
    try:
        kind = ReportFormat(fmt)
    except ValueError:
        raise UsageError(f"unknown report format '{fmt}'", "use one of: html, md, json") from None
    report = build_report(store, run_id, send_price_usd=send_price_usd)
    if kind is ReportFormat.HTML:
        text = render_html(report)
    elif kind is ReportFormat.MD:
        text = render_markdown(report)
    else:
        text = report.model_dump_json(indent=2)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)  # nothing half-written
    return target
