"""Objective parsing by a model, only when the offline grammar cannot read the sentence."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import JsonValue
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    SystemPromptPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from overture.cli import ExitCode, run_cli
from overture.exceptions import ObjectiveParseError
from overture.models import RunModel
from overture.objective import (
    READING_INSTRUCTIONS,
    AskReading,
    Direction,
    Metric,
    ObjectiveReading,
    TargetKind,
    parse_objective,
    parse_or_ask,
)

sys.path.insert(0, str(Path(__file__).parent))
import reader_plugin

TODAY = date(2026, 1, 5)
UNREADABLE = "Get a fifth more people opening the weekly letter before summer"
OPENS: dict[str, JsonValue] = {
    "metric": "human_open_rate",
    "direction": "increase",
    "target_kind": "relative",
    "target_value": 0.2,
    "deadline": "2026-06-20",
}


def scripted(*answers: dict[str, JsonValue]) -> tuple[AskReading, list[list[ModelMessage]]]:
    seen: list[list[ModelMessage]] = []
    replies = list(answers)

    def reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(list(messages))
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, replies.pop(0))])

    model = RunModel(FunctionModel(reply, model_name="scripted"), "test:scripted")

    def ask(prompt: JsonValue, instructions: str) -> ObjectiveReading:
        return model.ask(ObjectiveReading, prompt, instructions=instructions)[0]

    return ask, seen


def never(prompt: JsonValue, instructions: str) -> ObjectiveReading:
    raise AssertionError("the model was asked about a sentence the grammar reads")


def test_a_sentence_the_grammar_reads_never_reaches_the_model() -> None:
    text = "Increase the open rate of our newsletter by 20%"
    objective, by_model = parse_or_ask(text, today=TODAY, ask=never)
    assert not by_model and objective == parse_objective(text, today=TODAY)


def test_offline_a_sentence_the_grammar_refuses_is_refused_as_today() -> None:
    with pytest.raises(ObjectiveParseError) as refused:
        parse_or_ask(UNREADABLE, today=TODAY, ask=None)
    with pytest.raises(ObjectiveParseError) as grammar:
        parse_objective(UNREADABLE, today=TODAY)
    assert refused.value.message == grammar.value.message


def test_the_model_reads_what_the_grammar_cannot() -> None:
    ask, seen = scripted({**OPENS, "audience": " Weekly ", "language": "en"})
    objective, by_model = parse_or_ask(UNREADABLE, today=TODAY, ask=ask)
    assert by_model
    assert objective.text == UNREADABLE
    assert objective.metric is Metric.HUMAN_OPEN_RATE
    assert objective.direction is Direction.INCREASE
    assert objective.target.kind is TargetKind.RELATIVE and objective.target.value == 0.2
    assert objective.scope.audience == "weekly" and objective.deadline == date(2026, 6, 20)
    request = seen[0][0]
    assert isinstance(request, ModelRequest)
    system, user = request.parts
    assert isinstance(system, SystemPromptPart) and system.content == READING_INSTRUCTIONS
    assert isinstance(user, UserPromptPart) and isinstance(user.content, str)
    prompt = json.loads(user.content)
    # The sentence is a quoted value of the JSON, with where the grammar stopped.
    assert prompt["sentence"] == UNREADABLE and prompt["today"] == "2026-01-05"
    assert prompt["grammar_problem"] and "human_open_rate" in prompt["metrics"]


def test_a_reading_that_contradicts_itself_is_sent_back_with_the_reason() -> None:
    contradiction = {**OPENS, "target_value": -0.2}
    ask, seen = scripted(contradiction, OPENS)
    objective, _ = parse_or_ask(UNREADABLE, today=TODAY, ask=ask)
    assert objective.target.value == 0.2
    feedback = seen[1][-1]
    assert isinstance(feedback, ModelRequest)
    returned = feedback.parts[0]
    assert isinstance(returned, ToolReturnPart)
    assert "contradicts the direction" in str(returned.content)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (({"problem": "no metric is named"},), "no metric is named"),
        (({**OPENS, "deadline": "2025-12-31"},), "is in the past"),
        (({"metric": "human_open_rate"}, {"direction": "increase"}), "missing"),
    ],
    ids=["problem", "past-deadline", "incomplete"],
)
def test_a_model_that_cannot_read_it_either_gives_a_parse_error(
    answers: tuple[dict[str, JsonValue], ...], reason: str
) -> None:
    ask, _ = scripted(*answers)
    with pytest.raises(ObjectiveParseError, match="could not read it either") as refused:
        parse_or_ask(UNREADABLE, today=TODAY, ask=ask)
    assert reason in refused.value.message
    assert refused.value.fix  # the grammar's examples, still


def test_a_reading_with_a_problem_is_not_an_objective() -> None:
    with pytest.raises(ValueError, match="vague"):
        ObjectiveReading(problem="vague").objective("x")


def run_unconfirmed(tmp_path: Path, *args: str) -> int:
    return run_cli(
        ["run", UNREADABLE, "--plugin", "reader_plugin:register", "-w", str(tmp_path), *args]
    )


def test_the_cli_shows_a_model_reading_and_acts_on_nothing_unconfirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policy.toml").write_text('version = 1\n[models]\nallowed = ["script:*"]\n')
    reader_plugin.ASKED.clear()
    code = run_unconfirmed(tmp_path, "--model", "script:reader")
    out = capsys.readouterr()
    assert code == ExitCode.USAGE  # stdin is not a terminal: nothing starts unconfirmed
    assert "Objective as understood" in out.out and "Read by the model script:reader" in out.out
    assert "must be confirmed" in out.err
    assert len(reader_plugin.ASKED) == 1
    assert not (tmp_path / "runs.sqlite").exists() and not (tmp_path / "sim").exists()


def test_the_cli_asks_no_model_the_policy_does_not_allow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reader_plugin.ASKED.clear()
    assert run_unconfirmed(tmp_path, "--model", "script:reader") == ExitCode.USAGE
    assert "does not allow the model 'script:reader'" in capsys.readouterr().err
    assert reader_plugin.ASKED == []


def test_the_cli_offline_refuses_what_the_grammar_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OVERTURE_MODEL", raising=False)
    assert run_unconfirmed(tmp_path) == ExitCode.USAGE
    assert "Objective as understood" not in capsys.readouterr().out
