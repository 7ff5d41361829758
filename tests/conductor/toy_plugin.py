"""A toy world for conductor tests: two agents, a channel that honours idempotency keys, a measure.

The world lives in a SQLite file in the workspace so that it survives a killed process, and it
counts every agent execution and every send attempt so tests can prove nothing ran twice.
Settings (``RunConfig.settings``):
  toy.lift      relative lift of the metric per accepted send (default 0.08)
  toy.ceiling   the highest relative lift the world allows (default 1.0)
  toy.review    "deny" every send, or ask for "approval" of every send (an hour to answer)
  toy.crash_at  "outbox": SIGKILL the process inside the first outbox transaction;
                "after-send": SIGKILL right after the first send, before it is marked done
"""

from __future__ import annotations

import os
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, JsonValue
from sqlalchemy import Engine
from sqlalchemy import event as sa_event

from overture.agents import (
    Action,
    Agent,
    AgentResult,
    AgentSpec,
    Brief,
    Environment,
    Registry,
    Review,
    ReviewVerdict,
    Tool,
    ToolContext,
)
from overture.clock import VirtualClock
from overture.ids import RunId, StepId
from overture.objective import Objective
from overture.records import Evidence, Fact, Measurement, TaskLedger

CODE_VERSION = "1"
"""Recorded with each agent execution; a test edits it to change the code mid-run."""
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BASELINE = 0.20


class World:
    """The toy world's state, in ``toy.sqlite`` inside the workspace."""

    def __init__(self, workspace: Path, settings: dict[str, str]) -> None:
        workspace.mkdir(parents=True, exist_ok=True)
        self.path = workspace / "toy.sqlite"
        self.lift = float(settings.get("toy.lift", "0.08"))
        self.ceiling = float(settings.get("toy.ceiling", "1.0"))
        self.crash_at = settings.get("toy.crash_at", "")
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS sends (key TEXT PRIMARY KEY, audience INT)")
            db.execute("CREATE TABLE IF NOT EXISTS attempts (key TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS executions (agent TEXT, step INT, version TEXT)")

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None, timeout=30)

    def executed(self, agent: str, step: int) -> None:
        with self._db() as db:
            db.execute("INSERT INTO executions VALUES (?, ?, ?)", (agent, step, CODE_VERSION))

    def send(self, key: str, audience: int) -> tuple[int, bool]:
        """Send once per key; a repeated key sends nothing and reports the first receipt."""
        with self._db() as db:
            db.execute("INSERT INTO attempts VALUES (?)", (key,))
            fresh = db.execute("INSERT OR IGNORE INTO sends VALUES (?, ?)", (key, audience))
            first = db.execute("SELECT audience FROM sends WHERE key = ?", (key,)).fetchone()[0]
        if fresh.rowcount == 1 and self.crash_at == "after-send" and _first_crash(self.path):
            os.kill(os.getpid(), signal.SIGKILL)
        return int(first), fresh.rowcount != 1

    def accepted_sends(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT count(*) FROM sends").fetchone()[0])

    def attempts(self) -> list[str]:
        with self._db() as db:
            return [row[0] for row in db.execute("SELECT key FROM attempts")]

    def executions(self) -> list[tuple[str, int, str]]:
        with self._db() as db:
            return [tuple(row) for row in db.execute("SELECT * FROM executions")]

    def measurement(self, now: datetime) -> Measurement:
        sends = self.accepted_sends()
        relative = min(self.lift * sends, self.ceiling)
        value = BASELINE * (1 + relative)
        half_width = 0.02 / (1 + sends) ** 0.5
        return Measurement(
            metric="human_open_rate",
            value=value,
            baseline=BASELINE,
            lower=value - half_width,
            upper=value + half_width,
            sample_size=1000 * (1 + sends),
            at=now,
            detail={"sends": sends},
        )


def _first_crash(path: Path) -> bool:
    marker = path.with_suffix(".crashed")
    if marker.exists():
        return False
    marker.touch()
    return True


class Empty(BaseModel):
    pass


class Baseline(BaseModel):
    open_rate: float


class SendInput(BaseModel):
    audience: int


class SendReceipt(BaseModel):
    accepted: int
    duplicate: bool


class ToyAgent:
    def __init__(self, spec: AgentSpec, world: World, act: Any) -> None:
        self.spec = spec
        self.world = world
        self._act = act

    def run(self, brief: Brief) -> AgentResult:
        self.world.executed(self.spec.name, brief.step)
        return self._act(self, brief)


def _analyst(env: Environment) -> Agent:
    world = env.resource("world", World)

    def read(_: Empty, __: ToolContext) -> Baseline:
        return Baseline(open_rate=BASELINE)

    tool = Tool("read_baseline", "The measured baseline open rate.", Empty, Baseline, read)

    def act(agent: ToyAgent, brief: Brief) -> AgentResult:
        context = ToolContext(run_id=RunId(brief.run_id), step=StepId(brief.step), now=brief.now)
        baseline = tool(Empty(), context)
        return AgentResult(
            output=baseline.model_dump(),
            facts=(Fact(key="baseline", value=baseline.open_rate, source="read_baseline"),),
            evidence=(Evidence(tool="read_baseline", output=baseline.model_dump()),),
        )

    spec = AgentSpec(
        name="scout",
        purpose="Measure the baseline open rate",
        provides=frozenset({"baseline"}),
        tools=(tool,),
    )
    return ToyAgent(spec, world, act)


def _sender(env: Environment) -> Agent:
    world = env.resource("world", World)

    def send(value: SendInput, context: ToolContext) -> SendReceipt:
        assert context.key is not None
        accepted, duplicate = world.send(context.key, value.audience)
        return SendReceipt(accepted=accepted, duplicate=duplicate)

    tool = Tool("send", "Send the newsletter.", SendInput, SendReceipt, send, side_effect=True)

    def act(agent: ToyAgent, brief: Brief) -> AgentResult:
        return AgentResult(
            output={"planned": 100},
            actions=(Action(tool="send", input={"audience": 100}),),
            wait_until=brief.now + timedelta(hours=72),
        )

    spec = AgentSpec(
        name="mailer",
        purpose="Send this cycle's newsletter",
        needs=frozenset({"baseline"}),
        tools=(tool,),
        per_cycle=True,
    )
    return ToyAgent(spec, world, act)


def _looper(env: Environment) -> Agent:
    """Claims to provide an insight, never does: the conductor must catch the loop."""
    world = env.resource("world", World)

    def act(agent: ToyAgent, brief: Brief) -> AgentResult:
        return AgentResult(text="still thinking")

    spec = AgentSpec(
        name="looper",
        purpose="Find an insight about subscribers",
        needs=frozenset({"baseline"}),
        provides=frozenset({"insight"}),
    )
    return ToyAgent(spec, world, act)


def _environment(workspace: Path, seed: int, settings: Any) -> Environment:
    world = World(workspace, dict(settings))
    if world.crash_at == "outbox":
        _kill_inside_first_outbox_transaction(world.path)
    return Environment(
        clock=VirtualClock(START),
        workspace=workspace,
        seed=seed,
        settings=dict(settings),
        resources={"world": world},
    )


def _kill_inside_first_outbox_transaction(path: Path) -> None:
    def after_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OVERTURE_OUTBOX") and _first_crash(
            path
        ):
            os.kill(os.getpid(), signal.SIGKILL)

    if not sa_event.contains(Engine, "after_cursor_execute", after_execute):
        sa_event.listen(Engine, "after_cursor_execute", after_execute)


def _measure(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    return env.resource("world", World).measurement(env.clock.now())


class ToyReviewer:
    def __init__(self, env: Environment) -> None:
        self.mode = env.settings.get("toy.review", "")
        self.clock = env.clock

    def review(
        self,
        *,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        input: JsonValue,
        objective: Objective,
    ) -> Review:
        if self.mode == "deny":
            return Review(verdict=ReviewVerdict.DENY, reason="sends are off", rule="toy.deny")
        if self.mode == "approval":
            return Review(
                verdict=ReviewVerdict.APPROVAL,
                reason="a person must approve each send",
                rule="toy.approval",
                approval_id=f"{run_id}-{step}",
                deadline=self.clock.now() + timedelta(hours=1),
            )
        return Review(verdict=ReviewVerdict.ALLOW)


def register(registry: Registry) -> None:
    registry.add_reviewer("toy", ToyReviewer)
    registry.add_environment("toy", _environment)
    registry.add_measure("toy", _measure)
    registry.add_agent("scout", _analyst)
    registry.add_agent("mailer", _sender)
    registry.add_agent("looper", _looper)
