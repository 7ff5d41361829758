"""Spans of a run: one trace per run, nested run → step → model call, agent and tool spans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy.orm import Session

from overture.clock import Clock
from overture.conductor import PlainSteps, RunConfig, Runner
from overture.models import Decider, DecisionError, DecisionInput, Question, offline_model
from overture.objective import Objective
from overture.observe import SpanRecord, SpanStore, trace_run
from overture.observe import attributes as attr
from overture.observe.tracing import (
    TRACES_ENV,
    RunTracing,
    TracingDecider,
    TracingSteps,
    trace_id_for,
)
from overture.workspace import Workspace

R = TypeVar("R")
ToyRun = Callable[..., str]
"""The ``toy_run`` fixture (see conftest.py): runs the toy world, returns the run id."""


def spans_of(runner: Runner, run_id: str) -> list[SpanRecord]:
    return SpanStore(runner.store.engine).spans(run_id)


def by_id(spans: list[SpanRecord]) -> dict[str, SpanRecord]:
    return {s.span_id: s for s in spans}


def test_a_run_is_one_trace_with_nested_spans(runner: Runner, toy_run: ToyRun) -> None:
    run_id = toy_run()
    spans = spans_of(runner, run_id)
    ids = by_id(spans)
    runs = [s for s in spans if s.kind == "run"]
    assert len(runs) == 1
    root = runs[0]
    assert root.parent_id is None and root.name == f"run {run_id}"
    assert {s.trace_id for s in spans} == {f"{trace_id_for(run_id):032x}"}
    assert root.attributes[attr.OUTCOME] == "reached"
    assert "20%" in str(root.attributes[attr.OBJECTIVE])
    assert all(s.attributes[attr.RUN_ID] == run_id for s in spans)
    assert all(s.start_ns >= root.start_ns and s.end_ns <= root.end_ns for s in spans)
    models = [s for s in spans if s.kind == "model"]
    assert len(models) == 6  # one plan, five decisions
    for model in models:
        parent = ids[model.parent_id or ""]
        assert parent.name in {"plan", "decide"} and parent.parent_id == root.span_id
        assert model.name == "chat offline"
        assert model.attributes[attr.OPERATION] == "chat"
        assert model.attributes[attr.REQUEST_MODEL] == "offline"
        assert model.attributes[attr.PROVIDER] == "overture"
        assert int(str(model.attributes[attr.INPUT_TOKENS])) > 0
        assert model.attributes[attr.COST_USD] == 0.0
        assert model.attributes[attr.UNPRICED] is False


def test_agent_and_tool_spans_carry_what_the_log_knows(runner: Runner, toy_run: ToyRun) -> None:
    run_id = toy_run()
    spans = spans_of(runner, run_id)
    agents = [s for s in spans if s.kind == "agent"]
    assert [s.attributes[attr.AGENT_NAME] for s in agents] == ["scout"] + ["mailer"] * 4
    scout = agents[0]
    assert scout.name == "invoke_agent scout"
    assert scout.attributes[attr.OPERATION] == "invoke_agent"
    assert int(str(scout.attributes[attr.BRIEF_SIZE])) > 0
    assert scout.attributes[attr.BRIEF_WITHHELD] == 0
    assert scout.attributes[attr.FACTS] == ["baseline"]
    assert scout.attributes[attr.EVIDENCE_TOOLS] == ["read_baseline"]
    tools = [s for s in spans if s.kind == "tool"]
    assert len(tools) == 4
    assert all(
        t.name == "execute_tool send"
        and t.attributes[attr.TOOL_NAME] == "send"
        and t.attributes[attr.SENDS] == 100
        for t in tools
    )
    decisions = [s for s in spans if s.name == "decide"]
    assert decisions[0].attributes[attr.NEXT_AGENT] == "scout"
    measures = [s for s in spans if s.name == "write measure"]
    assert [m.attributes[attr.MEASURED_MET] for m in measures] == [False] * 4 + [True]
    assert not any(s.replayed for s in spans)


def test_tracing_can_be_turned_off(
    runner: Runner, toy_run: ToyRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRACES_ENV, "off")
    run_id = toy_run()
    assert spans_of(runner, run_id) == []


def test_a_failed_agent_and_an_interrupted_run_are_traced(runner: Runner) -> None:
    tracing = RunTracing.create("run-x", SpanStore(runner.store.engine))
    steps = TracingSteps(PlainSteps(runner.store), tracing, runner.store, "run-x", "goal")

    def boom() -> int:
        raise RuntimeError("the tool broke")

    with pytest.raises(RuntimeError):
        steps.step("deliver:send", boom)
    tracing.flush()
    spans = SpanStore(runner.store.engine).spans("run-x")
    failed = next(s for s in spans if s.kind == "tool")
    assert failed.status == "error"
    tracing.close()


class _Recorded:
    """Steps as a recovered durable run sees them: results come from the record, not fn."""

    def __init__(self, inner: PlainSteps, recorded: object) -> None:
        self.inner = inner
        self.recorded = recorded

    def step(self, name: str, fn: Callable[[], R]) -> R:
        return self.recorded  # type: ignore[return-value]

    def record(self, name: str, fn: Callable[[Session], R]) -> R:
        return self.inner.record(name, fn)

    def transaction(self, name: str, fn: Callable[[Session], R]) -> R:
        return self.inner.transaction(name, fn)

    def wait_until(self, clock: Clock, moment: datetime) -> None:
        self.inner.wait_until(clock, moment)

    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
        return self.inner.wait_for_message(topic, timeout_seconds)


def test_a_step_answered_from_the_record_is_marked_replayed(runner: Runner) -> None:
    recorded = {"accepted": 3}
    inner = _Recorded(PlainSteps(runner.store, {"gate": "yes"}), recorded)
    tracing = RunTracing.create("run-r", SpanStore(runner.store.engine))
    steps = TracingSteps(inner, tracing, runner.store, "run-r", "goal")
    assert steps.step("deliver:send", lambda: {"accepted": 99}) == recorded
    assert steps.wait_for_message("gate", 0) == "yes"
    steps.record("end", lambda session: None)
    spans = SpanStore(runner.store.engine).spans("run-r")
    tool = next(s for s in spans if s.kind == "tool")
    assert tool.replayed and tool.attributes[attr.SENDS] == 3
    assert any(s.name == "wait gate" for s in spans)
    write = next(s for s in spans if s.name == "write end")
    assert not write.replayed


def _view() -> DecisionInput:
    return DecisionInput(question=Question.NEXT, objective="goal", agents=())


def _prose(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    return ModelResponse(parts=[TextPart("I would send it now")])


def test_a_model_call_that_fails_is_an_error_span_with_its_usage(runner: Runner) -> None:
    tracing = RunTracing.create("run-d", SpanStore(runner.store.engine))
    decider = TracingDecider(FunctionModel(_prose), "acme:prose", retries=1, tracer=tracing.tracer)
    with pytest.raises(DecisionError):
        decider.next_step(_view())
    tracing.close()
    (span,) = SpanStore(runner.store.engine).spans("run-d")
    assert span.status == "error" and span.name == "chat prose"
    assert span.attributes[attr.PROVIDER] == "acme"
    assert span.attributes[attr.UNPRICED] is True
    assert attr.COST_USD not in span.attributes
    assert int(str(span.attributes[attr.INPUT_TOKENS])) > 0


def test_a_decider_without_a_tracer_just_answers() -> None:
    decider = TracingDecider(offline_model(), "offline")
    answer, usage = decider.plan(_view().model_copy(update={"question": Question.PLAN}))
    assert answer.steps == () and usage.requests == 1


def test_trace_run_wraps_both_and_keeps_the_decider_settings(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TRACES_ENV, raising=False)
    goal = Objective.model_validate(
        {
            "text": "t",
            "metric": "human_open_rate",
            "direction": "increase",
            "target": {"kind": "relative", "value": 0.1},
        }
    )
    plain = PlainSteps(runner.store)
    steps, decider = trace_run(
        "run-t", goal, runner.store, plain, Decider(offline_model(), "offline", retries=3)
    )
    assert isinstance(steps, TracingSteps) and isinstance(decider, TracingDecider)
    assert decider.retries == 3 and decider.name == "offline"
    steps.record("end", lambda session: None)  # closes the run's tracing


def test_a_durable_run_is_traced_the_same_way(
    tmp_path: Path, toy_settings: Callable[..., RunConfig]
) -> None:
    config = toy_settings(tmp_path)
    with Runner(Workspace(tmp_path), durable=True) as durable:
        run_id, outcome = durable.run(config)
        spans = spans_of(durable, run_id)
    assert outcome.kind.value == "reached"
    assert {s.kind for s in spans} == {"run", "step", "agent", "tool", "model"}
    assert not any(s.replayed for s in spans)
    run = next(s for s in spans if s.kind == "run")
    assert run.attributes[attr.OUTCOME] == "reached"
    assert all(attr.BRIEF_SIZE in s.attributes for s in spans if s.kind == "agent")
