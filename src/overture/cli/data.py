"""``overture data import | quality | resolve | features | segments``: the customer store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from overture.cli.app import console
from overture.clock import WallClock
from overture.data import CustomerStore, Kind, import_file, load_mapping
from overture.data.features import compute_features
from overture.data.identity import explain_profile, resolve_identities
from overture.data.quality import quality_report
from overture.data.segments import cluster_profiles, define_segment, list_segments
from overture.exceptions import UsageError
from overture.workspace import WORKSPACE_ENV, resolve_workspace

__all__ = ["app", "features", "import_", "quality", "resolve", "segments_command"]

app = typer.Typer(
    help="The customer store: import files, check quality, resolve identities, build segments.",
    no_args_is_help=True,
)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar=WORKSPACE_ENV,
        help="Workspace folder (default: $OVERTURE_WORKSPACE or .overture)",
    ),
]


def _store(workspace: Path | None) -> CustomerStore:
    return CustomerStore(resolve_workspace(workspace).customers_db)


@app.command("import")
def import_(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="A CSV, Parquet or JSON Lines file.")],
    mapping: Annotated[
        str | None,
        typer.Option(help="A mapping file (.toml) or preset name, for other tools' exports."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="The system the rows come from (default: the mapping's, or primary)."),
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of a CSV file.")] = "utf-8",
    workspace: WorkspaceOption = None,
) -> None:
    """Import a file; rows that cannot be stored go to quarantine with file, line and reason."""
    chosen = load_mapping(mapping) if mapping else None
    with _store(workspace) as store, console.status(f"Importing {file} ..."):
        summary = import_file(
            store, kind, file, mapping=chosen, source=source, encoding=encoding, clock=WallClock()
        )
    if summary.already_imported:
        console.print(f"{file} was already imported ({summary.rows_read:,} rows): nothing to do.")
        return
    table = Table(title=f"{kind.value} from {file} (source {summary.source})")
    for column in ("read", "loaded", "updated", "already present", "quarantined"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            f"{n:,}"
            for n in (
                summary.rows_read,
                summary.loaded,
                summary.updated,
                summary.already_present,
                summary.quarantined,
            )
        )
    )
    console.print(table)
    for reason, count in summary.reasons[:10]:
        console.print(f"  [yellow]quarantined[/yellow] {count:,} × {reason}", highlight=False)


@app.command()
def quality(workspace: WorkspaceOption = None) -> None:
    """Count duplicates, invalid or role emails, missing consent, stale records, orphan events."""
    with _store(workspace) as store, console.status("Checking data quality ..."):
        report = quality_report(store, WallClock().now())
    table = Table(title=f"Data quality: {report.contacts:,} contacts, {report.events:,} events")
    table.add_column("check")
    table.add_column("count", justify="right")
    table.add_column("examples")
    for check in report.checks:
        colour = "green" if check.count == 0 else "yellow"
        table.add_row(
            f"{check.name}\n[dim]{check.description}[/dim]",
            f"[{colour}]{check.count:,}[/{colour}]",
            "\n".join(check.examples),
        )
    console.print(table)


@app.command()
def resolve(
    threshold: Annotated[
        float, typer.Option(min=0.5, max=1.0, help="Splink match probability needed to link.")
    ] = 0.9,
    explain: Annotated[
        str | None, typer.Option(help="Show why the records of this profile were merged.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random pairs used for training.")] = 0,
    workspace: WorkspaceOption = None,
) -> None:
    """Unify contact records into profiles: same email or phone, then Splink matching."""
    with _store(workspace) as store:
        if explain is not None:
            _show_merges(store, explain)
            return
        with console.status("Resolving identities ..."):
            summary = resolve_identities(
                store, threshold=threshold, rng=np.random.default_rng(seed)
            )
    console.print(
        f"{summary.records:,} records → [bold]{summary.profiles:,} profiles[/bold] "
        f"({summary.deterministic_links:,} links by same email or phone, "
        f"{summary.probabilistic_links:,} by Splink at p ≥ {summary.threshold:g})"
    )
    if summary.splink_fields:
        console.print(f"Splink compared: {', '.join(summary.splink_fields)}")
    else:
        console.print("Splink skipped: fewer than three identity fields are filled in.")


def _show_merges(store: CustomerStore, profile_id: str) -> None:
    merges = explain_profile(store, profile_id)
    if not merges:
        raise UsageError(
            f"no merge recorded for profile {profile_id}",
            "check the id; a profile of a single record has no merge to explain",
        )
    table = Table(title=f"Why {profile_id} is one person")
    for column in ("record", "record", "rule", "fields", "weight", "probability"):
        table.add_column(column)
    for merge in merges:
        table.add_row(
            ":".join(merge.left),
            ":".join(merge.right),
            merge.rule,
            merge.matched_fields,
            "" if merge.match_weight is None else f"{merge.match_weight:.1f}",
            "" if merge.match_probability is None else f"{merge.match_probability:.4f}",
        )
    console.print(table)


@app.command()
def features(workspace: WorkspaceOption = None) -> None:
    """Compute behavioural features and RFM scores for every profile, as of now."""
    with _store(workspace) as store, console.status("Computing features ..."):
        summary = compute_features(store, WallClock().now())
    console.print(
        f"Features for {summary.profiles:,} profiles: {summary.engaged:,} ever engaged, "
        f"{summary.buyers:,} bought."
    )


@app.command("segments")
def segments_command(
    define: Annotated[
        list[str] | None,
        typer.Option(help="Add or replace a segment: NAME=CONDITION (SQL over p. and f.)."),
    ] = None,
    clusters: Annotated[
        int, typer.Option(help="Also group profiles into this many behavioural clusters.")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed for clustering.")] = 0,
    workspace: WorkspaceOption = None,
) -> None:
    """List named segments with their sizes; define new ones; cluster profiles by behaviour."""
    with _store(workspace) as store:
        if not store.count("SELECT count(*) FROM profile_features"):
            raise UsageError("no profile features yet", "run `overture data features` first")
        for item in define or []:
            name, sep, condition = item.partition("=")
            if not sep or not name.strip():
                raise UsageError(
                    f"--define '{item}' is not NAME=CONDITION", "write --define name=condition"
                )
            define_segment(store, name.strip(), condition.strip())
        table = Table(title="Segments")
        for column in ("name", "profiles", "definition"):
            table.add_column(column, justify="right" if column == "profiles" else "left")
        for segment in list_segments(store):
            table.add_row(segment.name, f"{segment.size:,}", segment.description)
        console.print(table)
        if clusters:
            with console.status("Clustering ..."):
                found = cluster_profiles(store, clusters, np.random.default_rng(seed))
            table = Table(title=f"{clusters} behavioural clusters")
            for column in ("cluster", "profiles", "what sets it apart"):
                table.add_column(column)
            for cluster in found:
                table.add_row(str(cluster.index), f"{cluster.size:,}", cluster.description)
            console.print(table)
