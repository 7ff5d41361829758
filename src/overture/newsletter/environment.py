"""The ``sim`` environment: a simulated audience behind an email channel, with a customer store
built from its history the way a real list's exports would be imported.

Each run gets its own world in ``<workspace>/sim/<run>/``: the scenario's population, weeks of
past newsletters written as import files and imported into a DuckDB store, identities resolved
into profiles. Agents see the store and the channel; the simulation's hidden traits stay inside.

Recovery: the world is rebuilt from the same seed, its store kept on disk; the sends the run had
already made are replayed from the run's outbox into the simulated channel (same keys, same
order), so the simulated service remembers them as a real one would.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from overture.agents import Environment
from overture.channels import Channel
from overture.data import CustomerStore, import_file
from overture.data.identity import resolve_identities
from overture.exceptions import ConfigError
from overture.governance import StoreFacts, guard_environment_channel, store_personal_values
from overture.governance.policy import POLICY_FILE, POLICY_SETTING
from overture.runs import RunStore
from overture.sim import Simulation, load_scenario, write_history
from overture.specialists.compliance import replay_send
from overture.specialists.context import NewsletterContext
from overture.workspace import Workspace

__all__ = ["DEFAULT_CONTACTS", "SIM_POLICY", "SIM_SOURCE", "SimWorld", "sim_environment"]

SIM_SOURCE = "esp"
"""The store source of the simulated email service's exports and feed."""
DEFAULT_CONTACTS = 50_000
SIM_POLICY = Path(__file__).with_name("sim_policy.toml")
"""The governance policy of simulated runs (see the file's header)."""
_READY = "ready"


@dataclass(eq=False)
class SimWorld:
    simulation: Simulation
    store: CustomerStore
    folder: Path

    @classmethod
    def open(
        cls, folder: Path, scenario_name: str, seed: int, contacts: int, weeks: int | None
    ) -> SimWorld:
        scenario = load_scenario(scenario_name)
        simulation = Simulation.create(scenario, seed, contacts=contacts)
        if not (folder / _READY).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            files = write_history(
                simulation.population,
                scenario,
                weeks or scenario.history.weeks,
                folder / "history",
                np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2]),
                simulation.clock.now(),
            )
            store = CustomerStore(folder / "customers.duckdb")
            for kind, path in (
                ("crm-contacts", files.contacts),
                ("consents", files.consents),
                ("email-events", files.email_events),
                ("purchases", files.purchases),
            ):
                import_file(store, kind, path, source=SIM_SOURCE)
            resolve_identities(store, rng=np.random.default_rng(seed))
            shutil.rmtree(folder / "history")  # imported: the store holds it now
            (folder / _READY).touch()
        else:
            store = CustomerStore(folder / "customers.duckdb")
        return cls(simulation, store, folder)


def _setting(settings: Mapping[str, str], key: str, default: int | None) -> int | None:
    raw = settings.get(key)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"setting '{key}' must be a whole number, not {raw!r}",
            f"pass --set {key}=1000",
            key=key,
        ) from None


def sim_environment(workspace: Path, seed: int, settings: Mapping[str, str]) -> Environment:
    """Build (or, on recovery, reopen) the simulated world of one run."""
    run_id = settings.get("run_id", "adhoc")
    contacts = _setting(settings, "contacts", DEFAULT_CONTACTS) or DEFAULT_CONTACTS
    world = SimWorld.open(
        workspace / "sim" / run_id,
        settings.get("scenario", "default"),
        seed,
        contacts,
        _setting(settings, "history_weeks", None),
    )
    context = NewsletterContext(
        store=world.store, source=SIM_SOURCE, folder=world.folder / "feed", brand="Northwind"
    )
    context.ensure_tables()
    _replay_sends(workspace, run_id, world.simulation.channel, context)
    # Every send goes through governance's guard, as it would to a real email service; a
    # simulated run obeys the policy named in its settings, else the workspace's own (a
    # rehearsal of the rules the live runs obey), else the simulated sender's.
    named = dict(settings)
    if POLICY_SETTING not in named and not (workspace / POLICY_FILE).is_file():
        named[POLICY_SETTING] = str(SIM_POLICY)
    channel = guard_environment_channel(
        world.simulation.channel,
        StoreFacts(world.store, source=SIM_SOURCE),
        workspace=workspace,
        clock=world.simulation.clock,
        settings=named,
    )
    return Environment(
        clock=world.simulation.clock,
        workspace=workspace,
        seed=seed,
        channel=channel,
        settings=named,
        resources={"newsletter": context, "simulation": world.simulation},
        known_values=partial(store_personal_values, world.store),
    )


def _replay_sends(
    workspace: Path, run_id: str, channel: Channel, context: NewsletterContext
) -> None:
    """Hand the run's earlier sends to the new simulated channel again, in their order."""
    found = Workspace(workspace)
    if found.local_runs and not found.runs_db.exists():
        return
    for entry in RunStore(found.runs_url).outbox(run_id):
        if entry.tool == "send_newsletter":
            replay_send(context, channel, entry.key, entry.input)
