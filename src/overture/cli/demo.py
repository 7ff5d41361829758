"""``overture demo``: the flagship objective on a simulated audience, offline, end to end."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from overture.cli.app import app, console
from overture.cli.exit_codes import ExitCode
from overture.conductor import RunConfig, Runner
from overture.ids import RunId
from overture.objective import parse_objective
from overture.observe.report import detail_interval, interval_text, write_report
from overture.records import Outcome, OutcomeKind
from overture.runs import AgentFinished, Decided, Measured
from overture.workspace import resolve_workspace

__all__ = ["demo"]

DEMO_OBJECTIVE = "Increase the open rate of our newsletter by 20%"


def _cycle_row(p: Measured) -> tuple[str, ...]:
    d = p.measurement.detail
    return (
        str(d.get("campaign_id", "")).rsplit("-c", 1)[-1],
        f"{p.measurement.value or 0:.2%}",
        f"{p.measurement.baseline:.2%}",
        interval_text(detail_interval(d, "lift")),
        f"{p.target:.2%}" if p.target is not None else "",
        interval_text(detail_interval(d, "practice_lift")),
    )


def _follow(runner: Runner, run_id: RunId, outcome: Future[Outcome]) -> tuple[Outcome, Table]:
    """Show each decision (who, why, what came of it) and the open rate per cycle, live."""
    rows: dict[str, tuple[str, ...]] = {}
    seen = 0
    with console.status("building the simulated audience and its history…") as status:
        while True:
            finished = outcome.done()
            for event in runner.store.events(run_id, after=seen):
                seen = event.seq
                p = event.payload
                if isinstance(p, Decided):
                    status.update(f"{p.progress.next_agent} at work…")
                    console.print(
                        f"[bold]{p.progress.next_agent}[/bold] [dim]— {p.progress.reason}[/dim]",
                        highlight=False,
                    )
                elif isinstance(p, AgentFinished):
                    console.print(f"   {(p.error or p.text)[:400]}", highlight=False)
                elif isinstance(p, Measured) and p.measurement.value is not None:
                    row = _cycle_row(p)
                    if row[0] not in rows:
                        rows[row[0]] = row
                        console.print(
                            f"   [cyan]cycle {row[0]}: {row[1]} opened as people vs {row[2]} in "
                            f"the holdout; lift {row[3]}; target {row[4]}; over the "
                            f"A/B-then-winner practice {row[5]}[/cyan]",
                            highlight=False,
                        )
            if finished:
                break
            time.sleep(0.2)
    table = Table(
        "cycle",
        "treated (human opens)",
        "holdout",
        "lift [95% interval]",
        "target",
        "over A/B then winner",
        title="Human-open rate against the target: per person over the latest half of the "
        "budget's cycles (never the first), adjusted for how each read before",
    )
    for row in rows.values():
        table.add_row(*row)
    return outcome.result(), table


@app.command()
def demo(
    contacts: Annotated[int, typer.Option(help="Simulated contacts.")] = 50_000,
    scenario: Annotated[
        str, typer.Option(help="Simulator scenario (see docs/simulator.md).")
    ] = "default",
    seed: Annotated[int, typer.Option(help="Seed of the simulated world and of the run.")] = 0,
    cycles: Annotated[int, typer.Option(help="Weekly newsletters at most.")] = 12,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace folder (default: .overture)")
    ] = None,
) -> int:
    """Run "Increase the open rate of our newsletter by 20%" on a simulated audience, offline,
    and write an HTML report."""
    started = time.perf_counter()
    goal = parse_objective(DEMO_OBJECTIVE, today=date.today())
    goal = goal.model_copy(
        update={"budgets": goal.budgets.model_copy(update={"max_cycles": cycles})}
    )
    console.print(
        Panel(
            f"[bold]{goal.describe()}[/bold]\n{contacts:,} simulated contacts · scenario "
            f"'{scenario}' · offline model · at most {cycles} weekly cycles",
            title="Overture demo",
            expand=False,
        )
    )
    ws = resolve_workspace(workspace)
    config = RunConfig(
        objective=goal,
        environment="sim",
        seed=seed,
        workspace=str(ws.root),
        settings={"contacts": str(contacts), "scenario": scenario},
    )
    with Runner(ws) as runner:
        run_id = runner.start(config)
        console.print(f"run [bold]{run_id}[/bold] (resume it with: overture resume {run_id})")
        with ThreadPoolExecutor(1) as pool:
            outcome, cycles_table = _follow(runner, run_id, pool.submit(runner.wait, run_id))
        console.print(cycles_table)
        report = write_report(runner.store, run_id, ws.root / "reports" / f"{run_id}.html")
    colour = "green" if outcome.kind is OutcomeKind.REACHED else "yellow"
    console.print(Panel(outcome.summary, title=f"[{colour}]{outcome.kind.value}[/{colour}]"))
    console.print(f"Report: [bold]{report}[/bold]  ({time.perf_counter() - started:.0f} s)")
    return ExitCode.RUN_ERROR if outcome.kind is OutcomeKind.FAILED else ExitCode.OK
