"""The model-backed subject-line writer: the offline generator's lines, written by a model.

:class:`ModelLineWriter` takes the same :class:`~overture.specialists.copy_generator.LineSpec`
list as :func:`~overture.specialists.copy_generator.generate_lines` and returns one
:class:`~overture.specialists.copy_generator.SubjectLine` per spec, in English and French (the
contact's language picks one at send time), through the run's model
(:class:`~overture.models.RunModel`: the ``answer`` output tool, validation, one retry with the
reason, masking).

Every line is checked before it is kept: none of the policy's ``[copy] blocked`` words, the
``{first_name}`` slot exactly when the spec is personalized (the name is filled in by code at
send time: the model never sees a contact's name), the length band (a first name counted as six
characters), a question mark exactly for a question, a digit exactly for a number, no repeat.
A line that fails is sent back once with the reason; if it fails again (or the model gives no
usable answer at all, or the provider cannot be reached), the offline generator writes that
spec instead and the rejection is returned for the copywriter's evidence. Urgency, emoji and
topic are asked for but not checked: no rule reads them reliably in free text.

The prompt is JSON data (brand, brand voice, blocked words, segments, lines to avoid, the
features of each line); the instructions travel apart and say that every string in the data is
data. Segment descriptions may come from a customer's own CRM, so they are quoted, never
obeyed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator
from pydantic_ai.exceptions import ModelAPIError

from overture.governance.guard import find_terms
from overture.models import DATA_NOTICE, RunModel
from overture.models.asking import DecisionError
from overture.records import Usage
from overture.specialists.copy_generator import (
    LONG_MIN,
    SHORT_MAX,
    LineSpec,
    SubjectLine,
)

__all__ = [
    "INSTRUCTIONS",
    "NAME_SLOT",
    "DraftLine",
    "DraftLines",
    "LineRejection",
    "ModelLineWriter",
    "ModelWriting",
    "line_problems",
]

NAME_SLOT = "{first_name}"
_NAME_LENGTH = 6
_NBSP = "\u00a0"
_SLOT = re.compile(r"\{[^}]*\}")

INSTRUCTIONS = (
    "You write email subject lines for a brand's newsletter. Write one line per entry of "
    "'lines', in the same order, each in English (en) and in French (fr), with exactly the "
    "features the entry asks for: 'personalized' puts the slot {first_name} in the line (and "
    "no line has it otherwise; write the slot, never a name); 'short' is at most "
    f"{SHORT_MAX} characters, 'long' at least {LONG_MIN}, 'medium' in between (the slot counts "
    "as six); 'question' ends the line with a question mark (no other line has one); 'number' "
    "puts a digit in the line (no other line has a digit); 'urgency' adds a deadline; 'emoji' "
    "ends the line with one emoji; 'topic' is what the line is about (deal, news, tips, "
    "event), or none for a general line. Write in the brand's voice ('brand_voice'), never use "
    "a word of 'blocked_words', and never repeat a line of 'avoid'. French uses French "
    "typography (a space before ? ! : ; %). " + DATA_NOTICE
)
"""What the writer tells the model (the system prompt)."""


def _french(text: str) -> str:
    # French typography, whatever space (or none) the model put before the mark.
    return re.sub(r"[ \u00a0\u202f]?([?!:;%])", _NBSP + r"\1", text.strip())


class DraftLine(BaseModel):
    """One subject line in both languages, as the model writes it."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1, max_length=150)
    fr: str = Field(min_length=1, max_length=150)

    @field_validator("en")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @field_validator("fr")
    @classmethod
    def _french_typography(cls, value: str) -> str:
        return _french(value)


class DraftLines(BaseModel):
    """The model's answer: one line per requested spec, in order."""

    model_config = ConfigDict(extra="forbid")
    lines: list[DraftLine]


class LineRejection(BaseModel):
    """A spec whose model line was refused twice (or never written), written offline instead."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    index: int
    """Position of the spec in the request."""
    en: str = ""
    fr: str = ""
    reason: str


@dataclass(frozen=True)
class ModelWriting:
    """What one request to the model writer produced."""

    lines: tuple[SubjectLine | None, ...]
    """One per spec: the model's line, or None where the offline generator must write it."""
    rejected: tuple[LineRejection, ...]
    usage: Usage
    prompt: JsonValue
    """The JSON the model was shown (before masking), kept as evidence."""


def _counted_length(text: str) -> int:
    return len(text.replace(NAME_SLOT, "x" * _NAME_LENGTH))


def _band(length: int) -> str:
    if length <= SHORT_MAX:
        return "short"
    if length >= LONG_MIN:
        return "long"
    return "medium"


def line_problems(line: DraftLine, spec: LineSpec, blocked: Sequence[str]) -> list[str]:
    """Why ``line`` does not meet ``spec`` or the policy; empty when it does."""
    problems: list[str] = []
    words = find_terms([line.en, line.fr], blocked)
    if words:
        problems.append(f"uses blocked words ({', '.join(words)})")
    for language, text in (("en", line.en), ("fr", line.fr)):
        slots = _SLOT.findall(text)
        if spec.personalized and slots != [NAME_SLOT]:
            problems.append(f"{language} must hold the slot {NAME_SLOT} once")
        elif not spec.personalized and slots:
            problems.append(f"{language} must hold no slot (found {', '.join(slots)})")
        band = _band(_counted_length(text))
        if band != spec.length:
            problems.append(
                f"{language} is {band} ({_counted_length(text)} characters); {spec.length} asked"
            )
        if ("?" in text) != spec.question:
            problems.append(
                f"{language} {'needs' if spec.question else 'must not have'} a question mark"
            )
        if any(ch.isdigit() for ch in text) != spec.number:
            problems.append(f"{language} {'needs' if spec.number else 'must not have'} a digit")
    return problems


def _features(spec: LineSpec) -> dict[str, JsonValue]:
    raw: dict[str, JsonValue] = asdict(spec)
    return {**raw, "describe": spec.rationale()}


class ModelLineWriter:
    """Writes subject lines with a run's model, within blocked words and a brand voice."""

    def __init__(self, model: RunModel, *, blocked: Sequence[str], brand_voice: str = "") -> None:
        self.model = model
        self.blocked = tuple(blocked)
        self.brand_voice = brand_voice

    def write(
        self,
        specs: Sequence[LineSpec],
        *,
        brand: str,
        segments: JsonValue = None,
        avoid: Sequence[str] = (),
    ) -> ModelWriting:
        """One line per spec (None where the model's line was refused twice); never raises for
        a bad or missing answer: what the model could not write is left to the offline
        generator."""
        prompt: JsonValue = {
            "brand": brand,
            "brand_voice": self.brand_voice,
            "blocked_words": list(self.blocked),
            "segments": segments,
            "avoid": list(avoid),
            "lines": [_features(spec) for spec in specs],
        }
        avoided = set(avoid)

        def problems(answer: DraftLines) -> list[tuple[int, str]]:
            if len(answer.lines) != len(specs):
                return [(-1, f"write exactly {len(specs)} lines, not {len(answer.lines)}")]
            found: list[tuple[int, str]] = []
            seen: set[str] = set()
            for index, (draft, spec) in enumerate(zip(answer.lines, specs, strict=True)):
                reasons = line_problems(draft, spec, self.blocked)
                if {draft.en, draft.fr} & (avoided | seen):
                    reasons.append("repeats another line")
                seen |= {draft.en, draft.fr}
                found += [(index, reason) for reason in reasons]
            return found

        def check(answer: DraftLines) -> str:
            return "; ".join(
                f"line {index + 1}: {reason}" if index >= 0 else reason
                for index, reason in problems(answer)
            )

        try:
            answer, usage = self.model.ask(
                DraftLines,
                prompt,
                instructions=INSTRUCTIONS,
                check=check,
            )
        except DecisionError as error:
            usage = error.usage
            if not isinstance(error.rejected, DraftLines):
                return self._none(specs, str(error), usage, prompt)
            answer = error.rejected
        except ModelAPIError as error:
            return self._none(
                specs, f"model '{self.model.name}' failed: {error}", Usage(cost_usd=None), prompt
            )
        refused = problems(answer)
        if any(index < 0 for index, _ in refused):
            return self._none(specs, refused[0][1], usage, prompt)
        by_line: dict[int, list[str]] = {}
        for index, reason in refused:
            by_line.setdefault(index, []).append(reason)
        lines: list[SubjectLine | None] = []
        rejected: list[LineRejection] = []
        for index, (draft, spec) in enumerate(zip(answer.lines, specs, strict=True)):
            if index in by_line:
                lines.append(None)
                rejected.append(
                    LineRejection(
                        index=index, en=draft.en, fr=draft.fr, reason="; ".join(by_line[index])
                    )
                )
            else:
                lines.append(
                    SubjectLine(
                        en=draft.en,
                        fr=draft.fr,
                        spec=spec,
                        rationale=spec.rationale(),
                    )
                )
        return ModelWriting(tuple(lines), tuple(rejected), usage, prompt)

    def _none(
        self, specs: Sequence[LineSpec], reason: str, usage: Usage, prompt: JsonValue
    ) -> ModelWriting:
        rejected = tuple(LineRejection(index=i, reason=reason) for i in range(len(specs)))
        return ModelWriting(tuple(None for _ in specs), rejected, usage, prompt)
