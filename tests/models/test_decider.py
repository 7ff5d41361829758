"""The decider: typed answers through pydantic-ai's model interface, retries, resolution."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, FunctionModel

from overture.exceptions import UsageError
from overture.models import (
    AgentCard,
    Decider,
    DecisionError,
    DecisionInput,
    Question,
    offline_model,
    resolve_model,
    resolve_model_name,
)
from overture.models.offline import next_step, plan
from overture.records import Fact, Measurement, PlanStep, ProgressLedger, TaskLedger

CARDS = (
    AgentCard(
        name="writer", purpose="Write subject lines", needs=("segments",), provides=("copy",)
    ),
    AgentCard(name="segmenter", purpose="Find segments", provides=("segments",)),
    AgentCard(name="sender", purpose="Send", needs=("copy",), per_cycle=True),
    AgentCard(name="oracle", purpose="Needs the impossible", needs=("truth",)),
)


def view(question: Question = Question.NEXT, **kwargs: object) -> DecisionInput:
    return DecisionInput.model_validate(
        {"question": question, "objective": "Increase opens by 20%", "agents": CARDS, **kwargs}
    )


def test_offline_plan_orders_by_needs_and_names_what_cannot_run() -> None:
    answer = plan(view(Question.PLAN))
    assert [s.agent for s in answer.steps] == ["segmenter", "writer", "sender"]
    assert answer.open_questions == ("oracle needs truth, which no agent provides",)
    excluded = plan(view(Question.PLAN, excluded=("writer",)))
    assert [s.agent for s in excluded.steps] == ["segmenter"]


def test_offline_next_step_follows_the_plan_and_cycles() -> None:
    steps = tuple(PlanStep(agent=a, instruction=f"{a}.") for a in ("segmenter", "writer", "sender"))
    ledger = TaskLedger(plan=steps)
    assert next_step(view(ledger=ledger)).next_agent == "segmenter"
    ledger = ledger.with_facts((Fact(key="segments", value=2, source="t"),))
    assert next_step(view(ledger=ledger)).next_agent == "writer"
    ledger = ledger.with_facts((Fact(key="copy", value="x", source="t"),))
    sender = next_step(view(ledger=ledger, cycle=3))
    assert sender.next_agent == "sender"
    assert sender.instruction == "sender. (cycle 3)"
    done = next_step(view(ledger=ledger, done_this_cycle=("sender",)))
    assert done.next_agent == ""


def test_offline_next_step_flags_a_repeat_as_looping() -> None:
    ledger = TaskLedger(plan=(PlanStep(agent="segmenter", instruction="segmenter."),))
    previous = ProgressLedger(next_agent="segmenter", instruction="segmenter.", reason="r")
    assert next_step(view(ledger=ledger, recent=(previous, previous))).looping
    stalled = ProgressLedger(next_agent="x", instruction="y", reason="r", progressing=False)
    assert not next_step(view(ledger=ledger, recent=(stalled,))).progressing


def test_the_offline_model_answers_through_pydantic_ai() -> None:
    decider = Decider(offline_model(), "offline")
    answer, usage = decider.plan(view(Question.PLAN))
    assert [s.agent for s in answer.steps] == ["segmenter", "writer", "sender"]
    assert usage.requests == 1 and usage.input_tokens > 0 and usage.cost_usd == 0.0


def _scripted(*answers: str | dict[str, str]) -> tuple[Model, list[list[ModelMessage]]]:
    seen: list[list[ModelMessage]] = []
    replies = list(answers)

    def reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(list(messages))
        answer = replies.pop(0)
        if isinstance(answer, str):
            return ModelResponse(parts=[TextPart(answer)])
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, answer)])

    return FunctionModel(reply, model_name="scripted"), seen


def test_an_invalid_answer_is_sent_back_once_with_the_error() -> None:
    good = {"next_agent": "writer", "instruction": "go", "reason": "because"}
    model, seen = _scripted({"next_agent": "writer"}, good)
    answer, usage = Decider(model, "test:scripted").next_step(view())
    assert answer.next_agent == "writer"
    assert usage.requests == 2 and usage.cost_usd is None  # unpriced, never called free
    assert "instruction" in str(seen[1][-1])  # the validation error went back to the model


def test_a_model_that_never_answers_validly_raises_decision_error() -> None:
    model, _ = _scripted("I think writer", "still prose")
    with pytest.raises(DecisionError, match="did not call"):
        Decider(model, "test:scripted").next_step(view())


def test_model_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OVERTURE_MODEL", raising=False)
    assert resolve_model_name(None) == "offline"
    monkeypatch.setenv("OVERTURE_MODEL", "acme:large")
    assert resolve_model_name(None) == "acme:large"
    assert resolve_model_name("offline") == "offline"
    assert isinstance(resolve_model("offline", {}), FunctionModel)

    def acme(name: str) -> Model:
        return FunctionModel(lambda messages, info: ModelResponse(parts=[]), model_name=name)

    built = resolve_model("acme:large", {"acme": acme})
    assert built.model_name == "large"
    with pytest.raises(UsageError, match="provider:name"):
        resolve_model("gpt4", {})
    with pytest.raises(UsageError, match="no model provider 'acme'"):
        resolve_model("acme:large", {})


def test_decision_input_carries_the_measurement() -> None:
    m = Measurement(metric="m", value=0.2, baseline=0.2, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert DecisionInput.model_validate_json(view(measurement=m).model_dump_json()).measurement == m


def test_personal_data_is_masked_before_the_model_and_restored_after() -> None:
    import json
    import re

    from overture.governance import Masker

    seen: list[str] = []

    def echo(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        prompt = str(messages[-1].parts[-1].content)  # type: ignore[union-attr]
        seen.append(prompt)
        token = re.search(r"⟦EMAIL_\d+⟧", prompt)
        assert token is not None
        answer = {
            "next_agent": "writer",
            "instruction": f"write to {token.group(0)}",
            "reason": "r",
        }
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, answer)])

    fact = Fact(
        key="note", value="Dear Ana Smith, ana.smith@example.com, (415) 918-9082", source="crm"
    )
    decider = Decider(FunctionModel(echo, model_name="echo"), "test:echo", masks=Masker)
    answer, _ = decider.next_step(view(ledger=TaskLedger(facts=(fact,))))
    for secret in ("ana.smith@example.com", "918-9082", "Ana Smith"):
        assert secret not in seen[0]
    assert json.loads(seen[0])["agents"][0]["name"] == "writer"  # structure untouched
    assert answer.instruction == "write to ana.smith@example.com"
