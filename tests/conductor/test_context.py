"""Scoped and full-memory briefs, and what a model-backed agent would be sent for each, counted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import toy_config
from pydantic import BaseModel, JsonValue, ValidationError

from overture.agents import (
    Action,
    Agent,
    AgentResult,
    AgentSpec,
    Brief,
    Tool,
    ToolContext,
    build_brief,
)
from overture.conductor import PlainSteps, RunConfig, Runner
from overture.conductor.assemble import build_conductor
from overture.conductor.context import (
    HISTORY_KEY,
    MEASUREMENT_KEY,
    PROGRESS_KEY,
    ContextMode,
    ScriptedAgent,
    agent_request,
    answer_of,
    memory_facts,
    turn_record,
)
from overture.ids import RunId
from overture.models.tokens import count_tokens, request_tokens
from overture.records import Fact, Measurement, OutcomeKind, ProgressLedger, TaskLedger, Usage
from overture.runs import AgentFinished, BriefIssued, RunStore
from overture.workspace import Workspace

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
LEDGER = TaskLedger(
    facts=(
        Fact(key="baseline", value=0.2, source="analyst"),
        Fact(key="segments", value=["new", "loyal"], source="segmenter"),
        Fact(key="crm.notes", value="private", source="crm"),
    )
)
WRITER = AgentSpec("writer", "Write subject lines", needs=frozenset({"segments"}))


def _brief(spec: AgentSpec, memory: tuple[Fact, ...] | None = None) -> tuple[Brief, int]:
    return build_brief(
        spec,
        run_id="r",
        step=2,
        objective="o",
        instruction="write",
        ledger=LEDGER,
        cycle=0,
        now=NOW,
        memory=memory,
    )


def test_a_full_memory_brief_carries_facts_outside_needs_and_a_scoped_one_does_not() -> None:
    progress = ProgressLedger(next_agent="writer", instruction="write", reason="next")
    history: list[JsonValue] = [{"step": 1, "agent": "analyst"}]
    measurement = Measurement(metric="human_open_rate", value=0.21, baseline=0.2, at=NOW)
    memory = memory_facts([progress], history, measurement)
    scoped, withheld = _brief(WRITER)
    full, none_withheld = _brief(WRITER, memory)
    assert [f.key for f in scoped.facts] == ["segments"] and withheld == 2
    assert [f.key for f in full.facts] == [
        "baseline",
        "segments",
        "crm.notes",
        PROGRESS_KEY,
        MEASUREMENT_KEY,
        HISTORY_KEY,
    ]
    assert none_withheld == 0
    assert full.fact("crm.notes") == "private" and not scoped.has("crm.notes")
    assert full.fact(HISTORY_KEY) == history
    assert full.fact(MEASUREMENT_KEY) == measurement.model_dump(mode="json")
    assert full.size > scoped.size


def test_a_turn_is_recorded_as_what_the_agent_answered_without_its_tool_traffic() -> None:
    result = AgentResult(
        output={"lines": 3},
        facts=(Fact(key="copy", value=["a"], source="write_lines"),),
        actions=(Action(tool="send", input={"n": 1}),),
        text="three lines",
    )
    record = turn_record(4, "writer", "write", result)
    assert record == {
        "step": 4,
        "agent": "writer",
        "instruction": "write",
        "answer": {
            "output": {"lines": 3},
            "facts": [{"key": "copy", "value": ["a"]}],
            "text": "three lines",
            "actions": [{"tool": "send", "input": {"n": 1}}],
        },
    }
    assert memory_facts([], [], None)[1].value is None


def test_the_context_mode_is_a_checked_setting(tmp_path: Path) -> None:
    config = toy_config(tmp_path)
    assert config.context is ContextMode.SCOPED
    full = RunConfig.model_validate({**config.model_dump(), "context": "full"})
    assert full.context is ContextMode.FULL
    with pytest.raises(ValidationError, match="context"):
        RunConfig.model_validate({**config.model_dump(), "context": "broadcast"})


def _briefs(runner: Runner, run_id: str, agent: str) -> list[BriefIssued]:
    return [
        e.payload
        for e in runner.store.events(run_id)
        if isinstance(e.payload, BriefIssued) and e.payload.agent == agent
    ]


def test_a_full_memory_run_hands_every_agent_the_whole_memory_with_the_same_outcome(
    tmp_path: Path,
) -> None:
    with Runner(Workspace(tmp_path / "scoped"), durable=False) as runner:
        scoped_id, scoped = runner.run(toy_config(tmp_path / "scoped"))
        scoped_briefs = _briefs(runner, scoped_id, "mailer")
    full_config = toy_config(tmp_path / "full").model_copy(update={"context": ContextMode.FULL})
    with Runner(Workspace(tmp_path / "full"), durable=False) as runner:
        full_id, full = runner.run(full_config)
        full_briefs = _briefs(runner, full_id, "mailer")
    assert scoped.kind is full.kind is OutcomeKind.REACHED
    assert scoped.measurement is not None and full.measurement is not None
    assert scoped.measurement.value == full.measurement.value
    assert all(b.fact_keys == ("baseline",) for b in scoped_briefs)
    assert all(
        b.fact_keys == ("baseline", PROGRESS_KEY, MEASUREMENT_KEY, HISTORY_KEY)
        and b.withheld_keys == 0
        for b in full_briefs
    )
    # The history grows with every turn; a scoped brief stays the same size.
    full_sizes = [b.size_bytes for b in full_briefs]
    assert full_sizes == sorted(full_sizes) and full_sizes[0] < full_sizes[-1]
    assert len({b.size_bytes for b in scoped_briefs}) <= 2  # the cycle's digit count aside
    assert min(full_sizes) > max(b.size_bytes for b in scoped_briefs)


class _Segment(BaseModel):
    name: str


class _Count(BaseModel):
    contacts: int


class _Writer:
    def __init__(self) -> None:
        def count(value: _Segment, context: ToolContext) -> _Count:
            return _Count(contacts=12)

        tool = Tool("count_contacts", "Contacts in a segment.", _Segment, _Count, count)
        self.spec = AgentSpec(
            "writer", "Write subject lines", needs=frozenset({"segments"}), tools=(tool,)
        )

    def run(self, brief: Brief) -> AgentResult:
        return AgentResult(
            output=["Your week, in five minutes"],
            facts=(Fact(key="copy", value=["Your week, in five minutes"], source="writer"),),
            usage=Usage(requests=1, input_tokens=5, output_tokens=2),
        )


def test_a_scripted_agent_counts_the_request_it_would_send_and_acts_the_same() -> None:
    writer = _Writer()
    scripted = ScriptedAgent(writer)
    brief, _ = _brief(writer.spec)
    result = scripted.run(brief)
    own = writer.run(brief)
    assert scripted.spec is writer.spec
    assert result.output == own.output and result.facts == own.facts
    messages, params = agent_request(writer.spec, brief)
    assert [t.name for t in params.function_tools] == ["count_contacts"]
    expected_in = request_tokens(messages, params)
    expected_out = count_tokens("answer") + count_tokens(json.dumps(answer_of(own)))
    # The agent's own usage is kept, and the scripted request is added to it.
    assert result.usage == Usage(
        requests=2, input_tokens=5 + expected_in, output_tokens=2 + expected_out
    )
    assert expected_in > count_tokens(brief.model_dump_json())


def _scripted_run(tmp_path: Path, context: ContextMode) -> tuple[int, int, OutcomeKind]:
    """A toy run with every agent scripted; (input tokens, turns, outcome)."""
    config = toy_config(tmp_path).model_copy(update={"context": context})
    tmp_path.mkdir(parents=True)
    store = RunStore(f"sqlite:///{Workspace(tmp_path).runs_db}")
    run_id = RunId("tokens")
    conductor = build_conductor(run_id, config, store, PlainSteps(store))
    scripted: dict[str, Agent] = {n: ScriptedAgent(a) for n, a in conductor.agents.items()}
    conductor.agents = scripted
    outcome = conductor.run()
    finished = [e.payload for e in store.events(run_id) if isinstance(e.payload, AgentFinished)]
    store.engine.dispose()
    assert all(f.usage.requests == 1 and f.usage.output_tokens > 0 for f in finished)
    return sum(f.usage.input_tokens for f in finished), len(finished), outcome.kind


def test_full_memory_costs_more_tokens_than_scoped_briefs_for_the_same_run(
    tmp_path: Path,
) -> None:
    scoped_in, scoped_turns, scoped_kind = _scripted_run(tmp_path / "s", ContextMode.SCOPED)
    full_in, full_turns, full_kind = _scripted_run(tmp_path / "f", ContextMode.FULL)
    assert scoped_turns == full_turns and scoped_kind is full_kind is OutcomeKind.REACHED
    assert full_in > scoped_in > 0
