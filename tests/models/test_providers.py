"""Real providers through their real client libraries, over real HTTP to stand-in servers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import JsonValue
from pydantic_ai.exceptions import ModelHTTPError, ModelRateLimitError, ModelServerError
from pydantic_ai.models import Model
from standins import AnthropicStandIn, GeminiStandIn, OpenAIStandIn, Reply, StandIn

from overture.conductor import RunConfig, Runner
from overture.conductor.replay import replay
from overture.exceptions import UsageError
from overture.governance import Masker
from overture.models import (
    PROVIDERS,
    AgentCard,
    Decider,
    DecisionError,
    DecisionInput,
    Plan,
    ProviderModel,
    Question,
    RecordingModel,
    RetryingModel,
    RetryPolicy,
    ask_typed,
    build_model,
    limit_tokens,
    resolve_model,
)
from overture.models._loop import run_coroutine
from overture.models.retries import retry_delay
from overture.objective import Objective
from overture.objective.model import Direction, Metric, Target, TargetKind
from overture.records import OutcomeKind
from overture.runs import Decided, PlanMade, RunStore
from overture.workspace import Workspace

CARDS = (
    AgentCard(name="writer", purpose="Write", needs=("segments",), provides=("copy",)),
    AgentCard(name="segmenter", purpose="Find segments", provides=("segments",)),
)
MODELS = {
    "openai": "openai:gpt-5.1",
    "anthropic": "anthropic:claude-sonnet-5-5",
    "google": "google:gemini-3-flash",
    "openai-compatible": "openai-compatible:llama-4",
}


def view(
    question: Question = Question.PLAN, objective: str = "Increase opens by 20%"
) -> DecisionInput:
    return DecisionInput.model_validate(
        {"question": question, "objective": objective, "agents": CARDS}
    )


def _no_wait(retrying: Model) -> RetryingModel:
    """The RetryingModel inside ``retrying``, made to wait without sleeping."""
    inner = retrying
    while not isinstance(inner, RetryingModel):
        assert isinstance(inner, ProviderModel | RecordingModel)
        inner = inner.wrapped

    async def sleep(seconds: float) -> None:
        return None

    inner.sleep = sleep
    return inner


# -- one decision through each provider ------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "spec"),
    [
        ("openai_standin", MODELS["openai"]),
        ("anthropic_standin", MODELS["anthropic"]),
        ("gemini_standin", MODELS["google"]),
        ("compatible_standin", MODELS["openai-compatible"]),
    ],
)
def test_each_provider_answers_a_decision_through_its_protocol(
    fixture: str, spec: str, request: pytest.FixtureRequest
) -> None:
    server: StandIn = request.getfixturevalue(fixture)
    decider = Decider(resolve_model(spec, PROVIDERS), spec)
    plan, usage = decider.plan(view())
    assert [s.agent for s in plan.steps] == ["segmenter", "writer"]
    assert usage.requests == 1 and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.cost_usd is None  # unpriced, never called free
    (seen,) = server.requests
    # The answer tool is offered with the Plan schema, and the model name reaches the wire.
    assert "answer" in seen.text and "segmenter" in seen.text
    assert spec.split(":", 1)[1] in seen.path + seen.text


def test_keys_and_protocol_paths_reach_each_server(
    openai_standin: OpenAIStandIn,
    anthropic_standin: AnthropicStandIn,
    gemini_standin: GeminiStandIn,
) -> None:
    for spec in (MODELS["openai"], MODELS["anthropic"], MODELS["google"]):
        Decider(resolve_model(spec, PROVIDERS), spec).plan(view())
    assert openai_standin.requests[0].path == "/v1/chat/completions"
    assert openai_standin.requests[0].headers["authorization"] == "Bearer sk-test"
    assert anthropic_standin.requests[0].path == "/v1/messages"
    sent = anthropic_standin.requests[0].headers
    assert "sk-ant-test" in sent.get("x-api-key", sent.get("authorization", ""))
    assert "anthropic-version" in sent
    assert gemini_standin.requests[0].path.endswith("/models/gemini-3-flash:generateContent")
    assert gemini_standin.requests[0].headers["x-goog-api-key"] == "g-test"


def test_ollama_uses_its_base_url(
    openai_standin: OpenAIStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", openai_standin.base_url)
    Decider(resolve_model("ollama:qwen3", PROVIDERS), "ollama:qwen3").plan(view())
    assert openai_standin.requests[0].body["model"] == "qwen3"


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "variable"),
    [
        (MODELS["openai"], "OPENAI_API_KEY"),
        (MODELS["anthropic"], "ANTHROPIC_API_KEY"),
        (MODELS["google"], "GOOGLE_API_KEY"),
        (MODELS["openai-compatible"], "OVERTURE_OPENAI_BASE_URL"),
    ],
)
def test_a_missing_key_names_the_variable_and_the_fix(spec: str, variable: str) -> None:
    with pytest.raises(UsageError, match=re.escape(f"${variable}")) as raised:
        resolve_model(spec, PROVIDERS)
    assert f"export {variable}=" in raised.value.fix


def test_gemini_also_takes_the_older_key_name(
    gemini_standin: GeminiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("GEMINI_API_KEY", "older")
    Decider(resolve_model(MODELS["google"], PROVIDERS), "google").plan(view())
    assert gemini_standin.requests[0].headers["x-goog-api-key"] == "older"


def test_model_names_are_checked_before_anything_is_built() -> None:
    with pytest.raises(UsageError, match="provider:name"):
        build_model("gpt4", PROVIDERS)
    with pytest.raises(UsageError, match="no model provider 'acme'"):
        build_model("acme:large", PROVIDERS)
    with pytest.raises(UsageError, match="names no model"):
        build_model(" , ", PROVIDERS)


# -- invalid answers, retries, fallback ------------------------------------------------------


def test_an_invalid_answer_is_sent_back_with_the_validation_error(
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.reply(Reply(args={"steps": "not a list"}))
    decider = Decider(resolve_model(MODELS["openai"], PROVIDERS), MODELS["openai"])
    plan, usage = decider.plan(view())
    assert [s.agent for s in plan.steps] == ["segmenter", "writer"]
    assert usage.requests == 2
    retry = openai_standin.requests[1].body["messages"]
    tool_message = next(m for m in retry if m["role"] == "tool")
    assert "steps" in tool_message["content"] and "valid" in tool_message["content"]


def test_two_invalid_answers_are_a_decision_error(anthropic_standin: AnthropicStandIn) -> None:
    anthropic_standin.reply(Reply(text="I think segmenter first."), Reply(text="Really."))
    decider = Decider(resolve_model(MODELS["anthropic"], PROVIDERS), MODELS["anthropic"])
    with pytest.raises(DecisionError, match="did not call the 'answer' tool") as raised:
        decider.plan(view())
    assert raised.value.usage.requests == 2


@pytest.mark.parametrize("fixture", ["openai_standin", "anthropic_standin", "gemini_standin"])
def test_a_rate_limit_is_waited_out_as_the_provider_asks(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    server: StandIn = request.getfixturevalue(fixture)
    spec = {
        "openai_standin": MODELS["openai"],
        "anthropic_standin": MODELS["anthropic"],
        "gemini_standin": MODELS["google"],
    }[fixture]
    server.reply(Reply(status=429, headers={"retry-after": "7"}), Reply(status=503, headers={}))
    model = resolve_model(spec, PROVIDERS)
    retrying = _no_wait(model)
    plan, _ = Decider(model, spec).plan(view())
    assert [s.agent for s in plan.steps] == ["segmenter", "writer"]
    assert len(server.requests) == 3
    # Retry-After honoured; without one, the backoff of a second retry (1 s doubled).
    assert retrying.waits == [7.0, 2.0]


def test_retries_are_bounded_and_then_the_decision_fails(openai_standin: OpenAIStandIn) -> None:
    openai_standin.reply(*[Reply(status=500, headers={"retry-after": "0"})] * 5)
    model = build_model(MODELS["openai"], PROVIDERS, RetryPolicy(attempts=3))
    with pytest.raises(DecisionError, match="failed"):
        Decider(model, MODELS["openai"]).plan(view())
    assert len(openai_standin.requests) == 3


def test_a_fallback_chain_moves_on_when_the_first_model_fails(
    openai_standin: OpenAIStandIn, anthropic_standin: AnthropicStandIn
) -> None:
    openai_standin.reply(Reply(status=401))  # not worth retrying: straight to the next model
    spec = f"{MODELS['openai']}, {MODELS['anthropic']}"
    decider = Decider(resolve_model(spec, PROVIDERS), spec)
    plan, _ = decider.plan(view())
    assert [s.agent for s in plan.steps] == ["segmenter", "writer"]
    assert len(openai_standin.requests) == 1 and len(anthropic_standin.requests) == 1
    assert isinstance(decider.model, ProviderModel)
    assert decider.model.name == "openai:gpt-5.1,anthropic:claude-sonnet-5-5"


def test_a_chain_that_fails_everywhere_is_one_decision_error(
    openai_standin: OpenAIStandIn, anthropic_standin: AnthropicStandIn
) -> None:
    openai_standin.reply(Reply(status=401))
    anthropic_standin.reply(Reply(status=404))
    spec = f"{MODELS['openai']},{MODELS['anthropic']}"
    with pytest.raises(DecisionError, match="failed") as raised:
        Decider(resolve_model(spec, PROVIDERS), spec).plan(view())
    assert "401" in str(raised.value) and "404" in str(raised.value)


def test_retry_delay_policy() -> None:
    policy = RetryPolicy(attempts=4, base_delay=1.0, max_delay=30.0)
    limited = ModelRateLimitError("m", "slow down", retry_after=12.0)
    assert retry_delay(limited, 1, policy) == 12.0
    assert retry_delay(ModelRateLimitError("m", "x", retry_after=600.0), 1, policy) == 30.0
    down = ModelServerError("m", "oops")
    assert [retry_delay(down, n, policy) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, None]
    rejected = ModelHTTPError(400, "m")
    assert retry_delay(rejected, 1, policy) is None


# -- budgets and masking ---------------------------------------------------------------------


def test_no_request_asks_for_more_output_than_the_budget_has_left(
    openai_standin: OpenAIStandIn, anthropic_standin: AnthropicStandIn
) -> None:
    for spec, server, field in (
        (MODELS["openai"], openai_standin, "max_completion_tokens"),
        (MODELS["anthropic"], anthropic_standin, "max_tokens"),
    ):
        model = resolve_model(spec, PROVIDERS)
        decider = Decider(model, spec)
        decider.plan(view())
        limit_tokens(model, 120)
        decider.plan(view())
        assert [r.body[field] for r in server.requests] == [2048, 120]
        limit_tokens(model, 0)
        with pytest.raises(DecisionError, match="token budget is used up"):
            decider.plan(view())
        assert len(server.requests) == 2


def test_no_raw_email_address_reaches_the_provider(openai_standin: OpenAIStandIn) -> None:
    email = "dana.lee@example.org"

    def echo(prompt: str) -> JsonValue:
        objective = json.loads(prompt)["objective"]
        return {"steps": [{"agent": "segmenter", "instruction": f"Ask {objective}"}]}

    openai_standin.responder = echo
    decider = Decider(resolve_model(MODELS["openai"], PROVIDERS), MODELS["openai"], masks=Masker)
    plan, _ = decider.plan(view(objective=f"Win back {email}"))
    assert email not in openai_standin.requests[0].text
    assert "EMAIL_1" in openai_standin.requests[0].text
    # What the model answered with the placeholder comes back with the address.
    assert plan.steps[0].instruction == f"Ask Win back {email}"


# -- a whole run through each provider -------------------------------------------------------


def _goal() -> Objective:
    return Objective.model_validate(
        {
            "text": "Increase the open rate of our newsletter by 20%",
            "metric": Metric.HUMAN_OPEN_RATE,
            "direction": Direction.INCREASE,
            "target": Target(kind=TargetKind.RELATIVE, value=0.20),
        }
    )


def _run(workspace: Path, model: str, durable: bool = False) -> tuple[RunStore, str, OutcomeKind]:
    workspace.mkdir(parents=True)
    (workspace / "policy.toml").write_text(f'[models]\nallowed = ["offline", "{model}"]\n')
    config = RunConfig(
        objective=_goal(),
        model=model,
        environment="toy",
        measure="toy",
        agents=("scout", "mailer"),
        plugins=("toy_plugin:register",),
        workspace=str(workspace),
    )
    with Runner(Workspace(workspace), durable=durable) as runner:
        run_id, outcome = runner.run(config)
    return RunStore(f"sqlite:///{Workspace(workspace).runs_db}"), run_id, outcome.kind


def _decisions(store: RunStore, run_id: str) -> list[str]:
    out: list[str] = []
    for event in store.events(run_id):
        if isinstance(event.payload, PlanMade):
            out.append(" > ".join(s.agent for s in event.payload.ledger.plan))
        elif isinstance(event.payload, Decided):
            out.append(f"{event.payload.progress.next_agent}: {event.payload.progress.instruction}")
    return out


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google", "openai-compatible"])
def test_a_run_decided_by_each_provider_reaches_the_offline_outcome(
    provider: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fixture = {
        "openai": "openai_standin",
        "anthropic": "anthropic_standin",
        "google": "gemini_standin",
        "openai-compatible": "compatible_standin",
    }[provider]
    server: StandIn = request.getfixturevalue(fixture)
    offline_store, offline_id, offline_kind = _run(tmp_path / "offline", "offline")
    store, run_id, kind = _run(tmp_path / provider, MODELS[provider])
    assert kind is offline_kind is OutcomeKind.REACHED
    assert _decisions(store, run_id) == _decisions(offline_store, offline_id)
    decisions = [
        e.payload for e in store.events(run_id) if isinstance(e.payload, PlanMade | Decided)
    ]
    assert all(d.model == MODELS[provider] for d in decisions)
    # One recorded exchange per request the stand-in answered; none for the offline run.
    assert sum(len(d.exchanges) for d in decisions) == len(server.requests) == len(decisions)
    assert all(
        not e.payload.exchanges
        for e in offline_store.events(offline_id)
        if isinstance(e.payload, PlanMade | Decided)
    )
    assert replay(store, run_id).reproducible


def test_a_step_whose_answers_stay_invalid_falls_back_to_offline_logged(
    openai_standin: OpenAIStandIn, tmp_path: Path
) -> None:
    openai_standin.reply(Reply(args={"steps": 3}), Reply(args={"steps": 4}))
    store, run_id, kind = _run(tmp_path / "run", MODELS["openai"])
    assert kind is OutcomeKind.REACHED
    plan = next(e.payload for e in store.events(run_id) if isinstance(e.payload, PlanMade))
    assert [s.agent for s in plan.ledger.plan] == ["scout", "mailer"]
    assert any("offline policy planned instead" in q for q in plan.ledger.open_questions)
    assert len(plan.exchanges) == 2 and plan.usage.requests == 2
    report = replay(store, run_id)
    assert report.reproducible, report.divergences


def test_a_durable_run_logs_the_exchanges_its_steps_returned(
    gemini_standin: GeminiStandIn, tmp_path: Path
) -> None:
    store, run_id, kind = _run(tmp_path / "durable", MODELS["google"], durable=True)
    assert kind is OutcomeKind.REACHED
    decisions = [
        e.payload for e in store.events(run_id) if isinstance(e.payload, PlanMade | Decided)
    ]
    assert [len(d.exchanges) for d in decisions] == [1] * len(decisions)
    assert replay(store, run_id).reproducible
    store.engine.dispose()


@given(
    asked=st.none() | st.floats(min_value=0, max_value=1e6),
    attempt=st.integers(min_value=1, max_value=10),
    kind=st.sampled_from([ModelRateLimitError, ModelServerError]),
)
def test_a_retry_never_waits_past_the_cap_nor_past_the_last_attempt(
    asked: float | None, attempt: int, kind: type[ModelRateLimitError | ModelServerError]
) -> None:
    policy = RetryPolicy(attempts=5, base_delay=0.5, max_delay=20.0)
    wait = retry_delay(kind("m", "busy", retry_after=asked), attempt, policy)
    if attempt >= policy.attempts:
        assert wait is None
    else:
        assert wait is not None and 0.0 <= wait <= policy.max_delay
        if asked is not None:
            assert wait == min(asked, policy.max_delay)


def test_a_stand_in_refuses_what_it_cannot_answer(openai_standin: OpenAIStandIn) -> None:
    model = resolve_model(MODELS["openai"], PROVIDERS)
    with pytest.raises(DecisionError, match="failed"):
        run_coroutine(ask_typed(model, "openai", Plan, {"not": "a decision"}, instructions="?"))
    assert len(openai_standin.requests) == 1  # a client error is not retried


def test_a_response_the_client_cannot_read_is_a_decision_error(
    openai_standin: OpenAIStandIn,
) -> None:
    openai_standin.reply(Reply(raw={"id": "x", "object": "chat.completion", "choices": []}))
    decider = Decider(resolve_model(MODELS["openai"], PROVIDERS), MODELS["openai"])
    with pytest.raises(DecisionError, match="failed"):
        decider.plan(view())
