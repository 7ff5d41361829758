"""Record and replay: exchanges kept as JSON, answered again without the model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, UserPromptPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from overture.exceptions import ReplayDivergence
from overture.models import (
    AgentCard,
    Decider,
    DecisionError,
    DecisionInput,
    Question,
    offline_model,
    recorded,
    take_exchanges,
)
from overture.models.recording import (
    Exchange,
    RecordingModel,
    ReplayModel,
    dump_messages,
    load_response,
)
from overture.records import Measurement, ProgressLedger, Usage
from overture.runs import Decided

CARDS = (
    AgentCard(name="writer", purpose="Write", needs=("segments",), provides=("copy",)),
    AgentCard(name="segmenter", purpose="Find segments", provides=("segments",)),
)


def view(question: Question) -> DecisionInput:
    return DecisionInput.model_validate(
        {"question": question, "objective": "Increase opens by 20%", "agents": CARDS}
    )


def test_recorded_exchanges_replay_the_same_answers() -> None:
    recording = RecordingModel(offline_model(), "offline")
    decider = Decider(recording, "offline")
    plan, _ = decider.plan(view(Question.PLAN))
    step, _ = decider.next_step(view(Question.NEXT))
    exchanges = recording.take()
    assert len(exchanges) == 2 and recording.take() == ()
    assert all(e.model == "offline" for e in exchanges)
    # What is stored survives a JSON round trip.
    stored = tuple(Exchange.model_validate_json(e.model_dump_json()) for e in exchanges)
    replay = ReplayModel(stored, "offline")
    again = Decider(replay, "offline")
    assert again.plan(view(Question.PLAN))[0] == plan
    assert again.next_step(view(Question.NEXT))[0] == step
    assert replay.remaining == 0
    with pytest.raises(ReplayDivergence, match="asked 3 time"):
        again.next_step(view(Question.NEXT))


def test_a_different_request_is_a_divergence_unless_not_strict() -> None:
    recording = RecordingModel(offline_model())
    assert recording.name == "function:offline"
    Decider(recording, "offline").plan(view(Question.PLAN))
    exchanges = recording.take()
    other = view(Question.PLAN).model_copy(update={"objective": "Increase clicks by 5%"})
    with pytest.raises(ReplayDivergence, match="differs from the recorded one"):
        Decider(ReplayModel(exchanges), "offline").plan(other)
    loose = Decider(ReplayModel(exchanges, strict=False), "offline")
    assert [s.agent for s in loose.plan(other)[0].steps] == ["segmenter", "writer"]


def test_requests_are_compared_without_timestamps() -> None:
    first = dump_messages([ModelRequest(parts=[UserPromptPart("hi")])])
    second = dump_messages([ModelRequest(parts=[UserPromptPart("hi")])])
    assert first == second
    assert "timestamp" not in str(first)


def test_a_recorded_request_is_not_a_response() -> None:
    request = dump_messages([ModelRequest(parts=[UserPromptPart("hi")])])
    assert isinstance(request, list)
    with pytest.raises(ValueError, match="not a response"):
        load_response(request[0])


def test_a_failed_request_is_recorded_and_fails_again_on_replay() -> None:
    def broken(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        raise DecisionError("provider down", Usage())

    recording = RecordingModel(FunctionModel(broken, model_name="flaky"), "acme:flaky")
    with pytest.raises(DecisionError, match="provider down"):
        Decider(recording, "acme:flaky").plan(view(Question.PLAN))
    (failed,) = take_exchanges(recording)
    assert failed.response == {"failed": "provider down"}
    with pytest.raises(DecisionError, match="provider down"):
        Decider(ReplayModel((failed,), "acme:flaky"), "acme:flaky").plan(view(Question.PLAN))


def test_only_provider_models_are_recorded() -> None:
    offline = offline_model()
    assert recorded(offline, "offline") is offline
    assert take_exchanges(offline) == ()
    wrapped = recorded(offline, "acme:large")
    assert isinstance(wrapped, RecordingModel) and wrapped.wrapped is offline
    replay = ReplayModel((), "acme:large")
    assert (replay.system, replay.model_name, replay.remaining) == ("replay", "acme:large", 0)


@settings(max_examples=40, deadline=None)
@given(objective=st.text(min_size=1, max_size=60))
def test_any_recorded_exchange_survives_storage_and_replays(objective: str) -> None:
    asked = view(Question.PLAN).model_copy(update={"objective": objective})
    recording = RecordingModel(offline_model(), "acme:large")
    answer, _ = Decider(recording, "acme:large").plan(asked)
    stored = tuple(Exchange.model_validate_json(e.model_dump_json()) for e in recording.take())
    assert Decider(ReplayModel(stored, "acme:large"), "acme:large").plan(asked)[0] == answer


def test_a_decision_rebuilt_from_the_log_sends_the_recorded_request() -> None:
    # An open-ended interval (upper = inf) is kept as null in the log: the prompt must be too.
    measured = Measurement(
        metric="human_open_rate",
        value=0.21,
        baseline=0.16,
        lower=0.0,
        upper=float("inf"),
        at=datetime(2026, 1, 17, tzinfo=UTC),
    )
    live = view(Question.NEXT).model_copy(update={"measurement": measured})
    recording = RecordingModel(offline_model(), "acme:large")
    step, _ = Decider(recording, "acme:large").next_step(live)
    exchanges = recording.take()
    progress = ProgressLedger(
        next_agent=step.next_agent, instruction=step.instruction, reason=step.reason
    )
    logged = Decided(
        progress=progress,
        model="acme:large",
        decider_input=live.model_dump(mode="json"),
        usage=Usage(),
        exchanges=exchanges,
    )
    stored = Decided.model_validate_json(logged.model_dump_json())
    again = DecisionInput.model_validate(stored.decider_input)
    replayed = Decider(ReplayModel(stored.exchanges, "acme:large"), "acme:large")
    assert replayed.next_step(again)[0] == step
