"""``overture traces | kpis | report``: what a run did, how well, at what cost, and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from overture.cli.app import app, console
from overture.cli.runs import WorkspaceOption
from overture.observe import SpanStore
from overture.observe.kpis import KpiSummary, RunKpis, run_kpis, summarize
from overture.observe.report import ReportFormat, write_report
from overture.runs import RunStore
from overture.workspace import resolve_workspace

__all__ = ["kpis", "report", "traces"]

SendPriceOption = Annotated[
    float | None,
    typer.Option("--send-price", min=0.0, help="Price of one send in USD, to cost the sends."),
]


def _store(workspace: Path | None) -> RunStore:
    ws = resolve_workspace(workspace)
    ws.root.mkdir(parents=True, exist_ok=True)
    return RunStore(ws.runs_url)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _cost(value: float, unpriced: int) -> str:
    return f"${value:.4f}" + (f" + {unpriced} unpriced" if unpriced else "")


@app.command()
def traces(
    run_id: Annotated[str, typer.Argument(help="The run whose spans to show.")],
    kind: Annotated[
        str | None, typer.Option(help="Only spans of this kind: run, step, agent, tool, model.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Show a run's trace: every step, agent, tool and model call with its wall-clock latency."""
    store = _store(workspace)
    try:
        store.run(run_id)
        spans = SpanStore(store.engine).spans(run_id)
    finally:
        store.engine.dispose()
    if not spans:
        console.print(f"No spans recorded for {run_id} (was it run with OVERTURE_TRACES=off?).")
        return
    start = spans[0].start_ns
    depth: dict[str, int] = {}
    table = Table("at (ms)", "span", "kind", "ms", "attributes")
    for span in spans:
        depth[span.span_id] = depth.get(span.parent_id or "", -1) + 1
        if kind and span.kind != kind:
            continue
        shown = {
            k.removeprefix("gen_ai.").removeprefix("overture."): v
            for k, v in span.attributes.items()
            if k not in {"overture.run.id", "overture.span.kind", "overture.step.name"}
        }
        table.add_row(
            f"{(span.start_ns - start) / 1e6:.1f}",
            "  " * depth[span.span_id] + span.name + (" (replayed)" if span.replayed else ""),
            span.kind,
            f"{span.duration_ms:.2f}",
            ", ".join(f"{k}={v}" for k, v in shown.items() if k != "step.replayed")[:120],
            style="red" if span.status == "error" else None,
        )
    console.print(table)


def _show_run(k: RunKpis) -> None:
    table = Table("KPI", "value", title=f"{k.run_id} · {k.objective}")
    table.add_row("outcome", k.outcome.value if k.outcome else "running or interrupted")
    table.add_row("task completion", f"{_pct(k.completion_rate)} ({k.completed_tasks}/{k.tasks})")
    table.add_row(
        "hallucination rate",
        f"{_pct(k.hallucination_rate)} ({k.unsupported_claims}/{k.claims} claims unsupported)",
    )
    table.add_row(
        "model calls", f"{k.model_requests} ({k.input_tokens} in / {k.output_tokens} out tokens)"
    )
    table.add_row("cost", _cost(k.cost_usd, k.unpriced_requests))
    send_cost = "unpriced" if k.send_cost_usd is None else f"${k.send_cost_usd:.2f}"
    table.add_row("sends", f"{k.sends} (cost {send_cost})")
    table.add_row("replans (loops, stalls)", f"{k.replans} ({k.loops}, {k.stalls})")
    table.add_row("wall time", "n/a" if k.wall_seconds is None else f"{k.wall_seconds:.2f} s")
    console.print(table)
    agents = Table("agent", "tasks", "completion", "hallucination", "cost", "mean latency")
    for a in k.agents:
        agents.add_row(
            a.agent,
            str(a.tasks),
            _pct(a.completion_rate),
            _pct(a.hallucination_rate),
            _cost(a.cost_usd, a.unpriced_requests),
            "n/a" if a.latency is None else f"{a.latency.mean_ms:.1f} ms",
        )
    console.print(agents)
    steps = Table("step / call", "count", "mean ms", "p95 ms")
    for item in k.latency:
        steps.add_row(item.name, str(item.count), f"{item.mean_ms:.2f}", f"{item.p95_ms:.2f}")
    console.print(steps)
    for line in k.cost_lines:
        console.print(f"[dim]price of {line.caller} on {line.model}: {line.price_source}[/dim]")
    for finding in k.findings:
        for claim in finding.unsupported:
            console.print(
                f"[yellow]unsupported[/yellow] #{finding.seq} {finding.author} ({finding.what}): "
                f"'{claim.text}'",
                highlight=False,
            )


def _show_trend(summary: KpiSummary) -> None:
    table = Table("run", "outcome", "completion", "hallucination", "cost", "sends", "replans")
    for k in summary.runs:
        table.add_row(
            k.run_id,
            k.outcome.value if k.outcome else "running",
            _pct(k.completion_rate),
            _pct(k.hallucination_rate),
            _cost(k.cost_usd, k.unpriced_requests),
            str(k.sends),
            str(k.replans),
        )
    console.print(table)
    per_goal = summary.cost_per_objective_reached
    console.print(
        f"{len(summary.runs)} runs · objectives reached {_pct(summary.objective_rate)} "
        f"({summary.reached}/{summary.ended} ended) · task completion "
        f"{_pct(summary.completion_rate)} · hallucination rate {_pct(summary.hallucination_rate)}"
        f" · cost {_cost(summary.cost_usd, summary.unpriced_requests)} · per objective reached "
        f"{'n/a' if per_goal is None else f'${per_goal:.4f}'} · {summary.sends} sends",
        highlight=False,
    )


@app.command()
def kpis(
    run_id: Annotated[
        str | None, typer.Argument(help="One run; without it, the trend over recent runs.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many recent runs the trend covers.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print the KPIs as JSON.")] = False,
    send_price: SendPriceOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """KPIs of a run, per agent, or over recent runs: completion, hallucination, cost, latency."""
    store = _store(workspace)
    try:
        if run_id is not None:
            one = run_kpis(store, run_id, send_price_usd=send_price)
            if json_out:
                console.print_json(one.model_dump_json())
            else:
                _show_run(one)
            return
        summaries = store.runs(limit)
        trend = summarize(
            [run_kpis(store, s.run_id, send_price_usd=send_price) for s in reversed(summaries)]
        )
    finally:
        store.engine.dispose()
    if json_out:
        console.print_json(trend.model_dump_json())
    else:
        _show_trend(trend)


@app.command()
def report(
    run_id: Annotated[str, typer.Argument(help="The run to report on.")],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html (self-contained), md or json.")
    ] = ReportFormat.HTML,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write it (default: RUN.FORMAT).")
    ] = None,
    send_price: SendPriceOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write a run's report: trajectory, decision timeline, experiments, cost, governance."""
    store = _store(workspace)
    try:
        store.run(run_id)
        path = write_report(
            store,
            run_id,
            out or Path(f"{run_id}.{fmt.value}"),
            fmt,
            send_price_usd=send_price,
        )
    finally:
        store.engine.dispose()
    console.print(f"report written to {path}")
