"""The built-in ``offline`` model: a deterministic expert policy behind pydantic-ai's FunctionModel.

It reads the :class:`DecisionInput` in the prompt and answers like a careful conductor would:
plan agents in dependency order (an agent runs once what it needs is known), run once-per-run
agents until they have provided their facts, run per-cycle agents once in every cycle, and never
plan an agent the conductor excluded after a stall. Same input, same answer: runs are
reproducible and replayable without keys or network.
"""

from __future__ import annotations

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ToolCallPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from overture.models.decisions import AgentCard, DecisionInput, NextStep, Plan, Question
from overture.records import PlanStep

__all__ = ["OFFLINE_MODEL_NAME", "next_step", "offline_model", "plan"]

OFFLINE_MODEL_NAME = "offline"


def plan(view: DecisionInput) -> Plan:
    """Agents in an order where each one's needs are provided before it runs."""
    known = {fact.key for fact in view.ledger.facts}
    pending = [card for card in view.agents if card.name not in view.excluded]
    steps: list[PlanStep] = []
    progressed = True
    while pending and progressed:
        progressed = False
        for card in list(pending):
            if set(card.needs) <= known:
                steps.append(PlanStep(agent=card.name, instruction=_instruction(card)))
                known |= set(card.provides)
                pending.remove(card)
                progressed = True
    questions = tuple(
        f"{card.name} needs {', '.join(sorted(set(card.needs) - known))}, which no agent provides"
        for card in pending
    )
    return Plan(steps=tuple(steps), open_questions=questions)


def next_step(view: DecisionInput) -> NextStep:
    """The first planned agent with work left, or an empty answer when none has any."""
    cards = {card.name: card for card in view.agents}
    known = {fact.key for fact in view.ledger.facts}
    for step in view.ledger.plan:
        card = cards.get(step.agent)
        if card is None or card.name in view.excluded or not set(card.needs) <= known:
            continue
        if card.per_cycle:
            if card.name in view.done_this_cycle:
                continue
            instruction = f"{step.instruction} (cycle {view.cycle})"
            reason = f"{card.name} acts once in every cycle and has not yet in cycle {view.cycle}"
        else:
            missing = sorted(set(card.provides) - known)
            if card.provides and not missing:
                continue
            if not card.provides and card.name in view.done_this_cycle:
                continue
            instruction = step.instruction
            reason = f"{card.name} provides {', '.join(missing) or 'its result'}, not yet known"
        return NextStep(
            next_agent=card.name,
            instruction=instruction,
            reason=reason,
            progressing=_progressing(view),
            looping=_looping(view, card.name, instruction),
        )
    return NextStep(next_agent="", instruction="", reason="every planned agent has done its part")


def _instruction(card: AgentCard) -> str:
    return f"{card.purpose.rstrip('.')}."


def _progressing(view: DecisionInput) -> bool:
    return not view.recent or view.recent[-1].progressing


def _looping(view: DecisionInput, agent: str, instruction: str) -> bool:
    last = view.recent[-2:]
    return len(last) == 2 and all(
        step.next_agent == agent and step.instruction == instruction for step in last
    )


async def _answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    # A coroutine, so pydantic-ai awaits it in place instead of hopping to a worker thread.
    view = DecisionInput.model_validate_json(_last_prompt(messages))
    answer = plan(view) if view.question is Question.PLAN else next_step(view)
    return ModelResponse(
        parts=[ToolCallPart(info.output_tools[0].name, answer.model_dump(mode="json"))],
        model_name=OFFLINE_MODEL_NAME,
    )


def _last_prompt(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    raise ValueError("the offline model was called without a prompt")


def offline_model() -> FunctionModel:
    """The deterministic offline model, usable anywhere a pydantic-ai model is."""
    return FunctionModel(_answer, model_name=OFFLINE_MODEL_NAME)
