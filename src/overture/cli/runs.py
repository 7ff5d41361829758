"""``overture run | runs | show | resume | replay``: start, follow and inspect runs."""

from __future__ import annotations

import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import JsonValue, ValidationError
from rich.panel import Panel
from rich.table import Table

from overture.cli.app import app, console
from overture.cli.exit_codes import ExitCode
from overture.cli.timeline import describe_event
from overture.conductor import RunConfig, Runner
from overture.conductor.assemble import registry_for
from overture.conductor.replay import replay as replay_run
from overture.exceptions import UsageError
from overture.governance import Masker, check_model, policy_for_workspace
from overture.ids import RunId
from overture.models import OFFLINE_MODEL_NAME, RunModel, resolve_model, resolve_model_name
from overture.objective import AskReading, Budgets, Objective, ObjectiveReading, parse_or_ask
from overture.records import Outcome, OutcomeKind
from overture.workspace import Workspace, resolve_workspace

__all__ = ["resume", "run", "runs", "show"]

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace", "-w", help="Workspace folder (default: $OVERTURE_WORKSPACE or .overture)"
    ),
]

_COLOURS = {
    OutcomeKind.REACHED: "green",
    OutcomeKind.UNREACHABLE: "yellow",
    OutcomeKind.BUDGET_EXHAUSTED: "yellow",
    OutcomeKind.STOPPED: "yellow",
    OutcomeKind.FAILED: "red",
}


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} '{value}' is not KEY=VALUE", f"write {option} key=value")
        pairs[key.strip()] = item.strip()
    return pairs


def _with_budgets(objective: Objective, overrides: dict[str, str]) -> Objective:
    fields = {name.removeprefix("max_"): name for name in Budgets.model_fields}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise UsageError(
            f"unknown budget {', '.join(unknown)}", f"budgets are: {', '.join(sorted(fields))}"
        )
    values = objective.budgets.model_dump() | {fields[k]: v for k, v in overrides.items()}
    try:
        budgets = Budgets.model_validate(values)
    except ValidationError as error:
        raise UsageError(
            f"invalid budget: {error.errors()[0]['msg']}", "use a number >= 0"
        ) from None
    return objective.model_copy(update={"budgets": budgets})


def _show_objective(objective: Objective) -> None:
    b = objective.budgets
    console.print(
        Panel(
            f"[bold]{objective.describe()}[/bold]\n"
            f"metric: {objective.metric.value} · direction: {objective.direction.value} · "
            f"target: {objective.target.kind.value} {objective.target.value:g}\n"
            f"budgets: {b.max_steps} steps · {b.max_cycles} cycles · {b.max_tokens} tokens · "
            f"${b.max_cost_usd:g} · {b.max_sends} sends · {b.max_wall_seconds:g} s",
            title="Objective as understood",
            expand=False,
        )
    )


def _model_reader(
    model_name: str, plugins: tuple[str, ...], workspace: Workspace, settings: dict[str, str]
) -> AskReading | None:
    """Reads a sentence the grammar cannot with the run's model; None when it is offline."""
    if model_name == OFFLINE_MODEL_NAME:
        return None

    def ask(prompt: JsonValue, instructions: str) -> ObjectiveReading:
        # The same gate as the run's: a model the policy does not allow is not asked anything.
        check_model(policy_for_workspace(workspace.root, settings), model_name)
        built = resolve_model(model_name, registry_for(plugins).models)
        reading, _ = RunModel(built, model_name, masks=Masker).ask(
            ObjectiveReading, prompt, instructions=instructions
        )
        return reading

    return ask


def _follow(runner: Runner, run_id: RunId, outcome: Future[Outcome]) -> Outcome:
    """Print the run's events as they are written, until it ends."""
    seen = 0
    with console.status("working…", spinner="dots"):
        while True:
            finished = outcome.done()
            for event in runner.store.events(run_id, after=seen):
                console.print(f"[dim]{event.seq:>4}[/dim] {describe_event(event)}", highlight=False)
                seen = event.seq
            if finished:
                return outcome.result()
            time.sleep(0.1)


def _show_outcome(run_id: RunId, outcome: Outcome) -> int:
    colour = _COLOURS[outcome.kind]
    console.print(
        Panel(outcome.summary, title=f"[{colour}]{outcome.kind.value}[/{colour}] · {run_id}")
    )
    return ExitCode.RUN_ERROR if outcome.kind is OutcomeKind.FAILED else ExitCode.OK


@app.command()
def run(
    objective: Annotated[
        str,
        typer.Argument(help='The goal, e.g. "Increase the open rate of our newsletter by 20%".'),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Start without asking to confirm.")
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="offline (default), or provider:name (env: OVERTURE_MODEL)."
        ),
    ] = None,
    env: Annotated[
        str,
        typer.Option(
            "--env", help="Environment to act in: sim (simulated audience) or a live one."
        ),
    ] = "sim",
    measure: Annotated[
        str | None,
        typer.Option(help="Measure that judges the objective (default: the objective's metric)."),
    ] = None,
    agent: Annotated[
        list[str] | None, typer.Option("--agent", "-a", help="Limit the agents (repeatable).")
    ] = None,
    plugin: Annotated[
        list[str] | None,
        typer.Option("--plugin", help="Extra plugin module:function (repeatable)."),
    ] = None,
    setting: Annotated[
        list[str] | None, typer.Option("--set", help="Environment setting KEY=VALUE (repeatable).")
    ] = None,
    budget: Annotated[
        list[str] | None,
        typer.Option("--budget", help="Budget override, e.g. steps=20, cost_usd=1 (repeatable)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for everything random in the run.")] = 0,
    durable: Annotated[
        bool, typer.Option(help="Run as a durable workflow (resumable after a crash).")
    ] = True,
    workspace: WorkspaceOption = None,
) -> int:
    """Pursue an objective until it is reached, shown unreachable, or a budget ends the run."""

    model_name = resolve_model_name(model)
    ws = resolve_workspace(workspace)
    settings = _pairs(setting or [], "--set")
    read, by_model = parse_or_ask(
        objective,
        today=date.today(),
        ask=_model_reader(model_name, tuple(plugin or ()), ws, settings),
    )
    goal = _with_budgets(read, _pairs(budget or [], "--budget"))
    _show_objective(goal)
    if by_model:
        console.print(
            f"[yellow]Read by the model {model_name}[/yellow]: the offline grammar could not "
            "read this sentence. Check the objective above before starting."
        )
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "the objective must be confirmed", "pass --yes to start without asking"
            )
        if not typer.confirm("Start this run?", default=True):
            console.print("Nothing was done.")
            return ExitCode.DECLINED
    config = RunConfig(
        objective=goal,
        model=model_name,
        environment=env,
        measure=measure or "",
        agents=tuple(agent or ()),
        plugins=tuple(plugin or ()),
        seed=seed,
        workspace=str(ws.root),
        settings=settings,
    )
    with Runner(ws, durable=durable) as runner:
        if not durable:
            run_id, outcome = runner.run(config)
            for event in runner.store.events(run_id):
                console.print(f"[dim]{event.seq:>4}[/dim] {describe_event(event)}", highlight=False)
            return _show_outcome(run_id, outcome)
        run_id = runner.start(config)
        console.print(
            f"run [bold]{run_id}[/bold] started (resume it with: overture resume {run_id})"
        )
        with ThreadPoolExecutor(1) as pool:
            outcome = _follow(runner, run_id, pool.submit(runner.wait, run_id))
        return _show_outcome(run_id, outcome)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    workspace: WorkspaceOption = None,
) -> int:
    """Continue an interrupted run; completed steps are not repeated, no send is made twice."""
    with Runner(resolve_workspace(workspace)) as runner:
        rid = RunId(run_id)
        runner.store.run(rid)
        with ThreadPoolExecutor(1) as pool:
            outcome = _follow(runner, rid, pool.submit(runner.resume, rid))
        return _show_outcome(rid, outcome)


@app.command()
def runs(
    limit: Annotated[int, typer.Option(help="How many runs to list, newest first.")] = 20,
    workspace: WorkspaceOption = None,
) -> None:
    """List runs, newest first."""
    with Runner(resolve_workspace(workspace), durable=False) as runner:
        table = Table("run", "started", "objective", "outcome")
        for summary in runner.store.runs(limit):
            outcome = (
                summary.outcome.value if summary.outcome else "[cyan]running or interrupted[/cyan]"
            )
            table.add_row(
                summary.run_id,
                f"{summary.started_at:%Y-%m-%d %H:%M}",
                summary.objective.text,
                outcome,
            )
        console.print(table)


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="The run to show.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Show a run's timeline of decisions, actions and measurements."""
    with Runner(resolve_workspace(workspace), durable=False) as runner:
        summary = runner.store.run(run_id)
        console.print(f"[bold]{summary.run_id}[/bold] · {summary.objective.describe()}")
        table = Table("#", "time", "event", show_lines=False)
        for event in runner.store.events(run_id):
            table.add_row(str(event.seq), f"{event.at:%Y-%m-%d %H:%M}", describe_event(event))
        console.print(table)
        if summary.summary:
            console.print(Panel(summary.summary, title=summary.outcome or ""))


@app.command()
def replay(
    run_id: Annotated[str, typer.Argument(help="The run to replay.")],
    workspace: WorkspaceOption = None,
) -> int:
    """Re-derive every decision of a run from its event log and report any divergence."""
    with Runner(resolve_workspace(workspace), durable=False) as runner:
        runner.store.run(run_id)
        report = replay_run(runner.store, run_id)
    console.print(
        f"{report.decisions} model decisions, {report.judgements} verdicts and "
        f"{report.stall_checks} stall checks re-derived with model '{report.model}'."
    )
    if report.reproducible:
        console.print("[green]No divergence: the run is reproducible from its log.[/green]")
        return ExitCode.OK
    table = Table("#", "decision", "recorded", "re-derived")
    for d in report.divergences:
        table.add_row(str(d.seq), d.what, d.recorded, d.rederived)
    console.print(table)
    return ExitCode.REPLAY_DIVERGED
