"""``overture bench``: benchmarks that compare strategies on the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from overture.cli.app import console
from overture.sim import OUTCOME_POLICIES, run_outcome, scenario_names, write_outcome

__all__ = ["app"]

app = typer.Typer(help="Benchmarks on the audience simulator.", no_args_is_help=True)

_DEFAULT_SCENARIOS = ("default", "privacy_heavy", "fatigue", "unreachable")


@app.command()
def outcome(
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", "-s", help="Scenario name or .toml path; repeat for several."),
    ] = None,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", "-p", help="Policy from the registry; repeat for several."),
    ] = None,
    seeds: Annotated[int, typer.Option(min=1, help="How many seeds (0, 1, ...).")] = 3,
    contacts: Annotated[int, typer.Option(min=100, help="Population size.")] = 10_000,
    cycles: Annotated[int, typer.Option(min=1, help="Weekly cycles per run.")] = 8,
    warmup: Annotated[int, typer.Option(min=0, help="Weeks of usual sends first.")] = 8,
    target: Annotated[float, typer.Option(help="Target lift, e.g. 0.2 for +20%.")] = 0.2,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for outcome.json and outcome.html.")
    ] = Path("bench/results/outcome"),
) -> None:
    """Run scenarios × policies × seeds side by side; print a table, write JSON and HTML."""
    scenarios = scenario or [s for s in _DEFAULT_SCENARIOS if s in scenario_names()]
    policies = policy or sorted(OUTCOME_POLICIES)
    report = run_outcome(
        scenarios,
        policies,
        list(range(seeds)),
        contacts=contacts,
        cycles=cycles,
        warmup_weeks=warmup,
        target_lift=target,
    )
    table = Table(
        title=f"Outcome: {contacts:,} contacts, {cycles} cycles, {seeds} seeds, target "
        f"{target:+.0%} (means over seeds)"
    )
    table.add_column("scenario", no_wrap=True)
    table.add_column("policy", no_wrap=True)
    table.add_column("final human-open rate", justify="right")
    table.add_column("lift", justify="right", no_wrap=True)
    table.add_column("% of oracle", justify="right")
    table.add_column("cycles to target", justify="right")
    table.add_column("sends", justify="right", no_wrap=True)
    table.add_column("unsubscribes", justify="right")
    for row in report.summary:
        reached = (
            "never"
            if row.cycles_to_target is None
            else f"{row.cycles_to_target:.1f} ({row.reached}/{row.seeds})"
        )
        table.add_row(
            row.scenario,
            row.policy,
            f"{row.final_rate:.1%}",
            f"{row.lift:+.1%}",
            f"{row.percent_of_oracle:.0f}%",
            reached,
            f"{row.sends:,.0f}",
            f"{row.unsubscribes:,.0f}",
        )
    console.print(table)
    json_path, html_path = write_outcome(report, out)
    console.print(f"Wrote {json_path} and {html_path}")
