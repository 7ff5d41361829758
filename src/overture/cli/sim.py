"""``overture sim``: the audience simulator's scenarios, history files and calibration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from overture.cli.app import console
from overture.sim import (
    generate_history,
    load_scenario,
    measure_calibration,
    scenario_names,
)

__all__ = ["app"]

app = typer.Typer(
    help="The audience simulator: scenarios, history files to import, calibration figures.",
    no_args_is_help=True,
)

ScenarioArgument = Annotated[
    str, typer.Argument(help="A shipped scenario (see 'overture sim scenarios') or a .toml path.")
]


@app.command()
def scenarios() -> None:
    """List the shipped scenarios."""
    table = Table("scenario", "description")
    for name in scenario_names():
        table.add_row(name, load_scenario(name).description)
    console.print(table)


@app.command()
def generate(
    scenario: ScenarioArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the CSV import files.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    weeks: Annotated[
        int | None, typer.Option(min=1, help="Weeks of history (default: the scenario's).")
    ] = None,
    contacts: Annotated[
        int | None, typer.Option(min=1, help="Population size (default: the scenario's).")
    ] = None,
) -> None:
    """Write a population and its newsletter history as CSV import files."""
    files = generate_history(
        load_scenario(scenario), out, seed=seed, weeks=weeks, contacts=contacts
    )
    table = Table("kind", "file", "rows")
    for kind, path in (
        ("crm-contacts", files.contacts),
        ("consents", files.consents),
        ("email-events", files.email_events),
        ("purchases", files.purchases),
    ):
        table.add_row(kind, str(path), f"{files.rows[kind]:,}")
    console.print(table)
    console.print(f"Import them with: overture data import KIND FILE (folder {out})")


@app.command()
def calibrate(
    scenario: ScenarioArgument,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    contacts: Annotated[int, typer.Option(min=100, help="Population size.")] = 20_000,
) -> None:
    """Measure a scenario's headline figures from what the simulator emits."""
    figures = measure_calibration(load_scenario(scenario), seed=seed, contacts=contacts)
    table = Table("figure", "measured", title=f"{figures.scenario}: {contacts:,} contacts")
    for name, value in figures.as_dict().items():
        if isinstance(value, float):
            shown = f"{value:.2f}×" if name.endswith("ratio") else f"{value:+.1%}"
            if name.endswith(("_rate", "_share")):
                shown = f"{value:.2%}"
            table.add_row(name.replace("_", " "), shown)
    console.print(table)
