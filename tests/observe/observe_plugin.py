"""A small world for observation tests, on the conductor's toy world, with agents of its own.

``scout`` measures the baseline and says so in a sentence (every figure from its tool);
``mailer`` sends every cycle through the outbox; ``spinner`` never provides what it promised (a
loop); ``fabler`` writes a report whose figures are partly invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from toy_plugin import BASELINE, START, Baseline, Empty, SendInput, SendReceipt, ToyReviewer, World

from overture.agents import (
    Action,
    Agent,
    AgentResult,
    AgentSpec,
    Brief,
    Environment,
    Registry,
    Tool,
    ToolContext,
)
from overture.clock import VirtualClock
from overture.ids import RunId, StepId
from overture.objective import Objective
from overture.records import Evidence, Fact, Measurement, TaskLedger

NAME = "observe-toy"


class _Agent:
    def __init__(self, spec: AgentSpec, act: object) -> None:
        self.spec = spec
        self._act = act

    def run(self, brief: Brief) -> AgentResult:
        assert callable(self._act)
        result = self._act(brief)
        assert isinstance(result, AgentResult)
        return result


def _read(_: Empty, __: ToolContext) -> Baseline:
    return Baseline(open_rate=BASELINE)


_READ = Tool("read_baseline", "The measured baseline open rate.", Empty, Baseline, _read)


def _scout(env: Environment) -> Agent:
    def act(brief: Brief) -> AgentResult:
        context = ToolContext(run_id=RunId(brief.run_id), step=StepId(brief.step), now=brief.now)
        baseline = _READ(Empty(), context)
        return AgentResult(
            output=baseline.model_dump(),
            facts=(Fact(key="baseline", value=baseline.open_rate, source="read_baseline"),),
            evidence=(Evidence(tool="read_baseline", output=baseline.model_dump()),),
            text=f"The baseline open rate is {baseline.open_rate:.1%} for 'newsletter'.",
        )

    spec = AgentSpec(
        name="scout",
        purpose="Measure the baseline open rate",
        provides=frozenset({"baseline"}),
        tools=(_READ,),
    )
    return _Agent(spec, act)


def _mailer(env: Environment) -> Agent:
    world = env.resource("world", World)

    def send(value: SendInput, context: ToolContext) -> SendReceipt:
        assert context.key is not None
        accepted, duplicate = world.send(context.key, value.audience)
        return SendReceipt(accepted=accepted, duplicate=duplicate)

    tool = Tool("send", "Send the newsletter.", SendInput, SendReceipt, send, side_effect=True)

    def act(brief: Brief) -> AgentResult:
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
    return _Agent(spec, act)


def _spinner(env: Environment) -> Agent:
    def act(brief: Brief) -> AgentResult:
        return AgentResult(text="still thinking")

    spec = AgentSpec(
        name="spinner",
        purpose="Find an insight about subscribers",
        needs=frozenset({"baseline"}),
        provides=frozenset({"insight"}),
    )
    return _Agent(spec, act)


def _fabler(env: Environment) -> Agent:
    def act(brief: Brief) -> AgentResult:
        return AgentResult(
            output={"forecast": "up"},
            facts=(Fact(key="forecast", value="up", source="fabler"),),
            text=(
                f"From a {brief.fact('baseline'):.1%} baseline, 'Weekend readers' will open "
                "at 31.7%, about 4,200 opens."
            ),
        )

    spec = AgentSpec(
        name="fabler",
        purpose="Forecast the open rate",
        needs=frozenset({"baseline"}),
        provides=frozenset({"forecast"}),
    )
    return _Agent(spec, act)


def _environment(workspace: Path, seed: int, settings: Mapping[str, str]) -> Environment:
    return Environment(
        clock=VirtualClock(START),
        workspace=workspace,
        seed=seed,
        settings=dict(settings),
        resources={"world": World(workspace, dict(settings))},
    )


def _measure(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    return env.resource("world", World).measurement(env.clock.now())


def register(registry: Registry) -> None:
    registry.add_reviewer(NAME, ToyReviewer)
    registry.add_environment(NAME, _environment)
    registry.add_measure(NAME, _measure)
    registry.add_agent("scout", _scout)
    registry.add_agent("mailer", _mailer)
    registry.add_agent("spinner", _spinner)
    registry.add_agent("fabler", _fabler)
