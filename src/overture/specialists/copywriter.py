"""The copywriter: subject-line variants in the contact's language, built from explicit features.

Offline it writes with the feature-based generator (:mod:`overture.specialists.copy_generator`).
The first cycle explores lines that cover every feature between them. From then on it learns what
each feature is worth in each segment from every line tried so far (a Bayesian logistic model of
human opens, :mod:`overture.stats.feature_model`), and writes each segment's best line by the
posterior mean plus one line per segment from a Thompson draw of the effects: exploration aimed
where the model is unsure, not at random. A spec written before keeps its exact text, so its
results keep accumulating.

When the run has a model other than ``offline``, that model writes the fresh lines instead
(:mod:`overture.specialists.model_writer`), within the policy's ``[copy] blocked`` words and the
run's setting ``brand_voice``; a line it cannot get right after one retry is written offline,
and both calls are in the result's evidence, the model's usage in the result's. The setting
``copy.writer`` chooses explicitly: ``offline`` keeps the generator whatever the model (the
model then only conducts), ``model`` requires one.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import asdict

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, JsonValue

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.exceptions import ConfigError
from overture.governance import policy_for_workspace
from overture.models import MODEL_RESOURCE, Exchange, RunModel
from overture.records import Fact, Usage
from overture.specialists._facts import as_dicts, as_results
from overture.specialists.base import Specialist
from overture.specialists.copy_generator import (
    LineSpec,
    SubjectLine,
    generate_lines,
    supported_specs,
)
from overture.specialists.line_effects import (
    FEATURE_NAMES,
    fit_line_effects,
    informative_specs,
    spec_vector,
)
from overture.specialists.model_writer import LineRejection, ModelLineWriter
from overture.stats import FeatureModel

__all__ = [
    "BRAND_VOICE_SETTING",
    "WRITER_SETTING",
    "Candidate",
    "Copywriter",
    "ModelWriteRequest",
    "ModelWritten",
    "WriteRequest",
    "arm_id",
    "model_writer_for",
]

LINES_PER_CYCLE = 6
FIRST_LINES = 12
"""Lines of the first send: one more than the features, so every effect can be told apart."""
WRITER_SETTING = "copy.writer"
"""Run setting: ``model`` or ``offline``; unset means the model when the run has one."""
BRAND_VOICE_SETTING = "brand_voice"
"""Run setting: the brand voice the model writes in, e.g. ``warm, plain, no hype``."""


class Candidate(BaseModel):
    id: str
    en: str
    fr: str
    spec: dict[str, JsonValue]
    rationale: str


class WriteRequest(BaseModel):
    specs: list[dict[str, JsonValue]]
    brand: str
    seed: int


class Written(BaseModel):
    lines: list[Candidate]


class ModelWriteRequest(BaseModel):
    specs: list[dict[str, JsonValue]]
    brand: str
    segments: JsonValue = None
    avoid: list[str] = []
    """Lines already in use (the kept winners): never written again."""


class ModelWritten(BaseModel):
    model: str
    lines: list[Candidate | None]
    """One per spec; None where the model's line was refused and the offline generator writes."""
    rejected: list[LineRejection]
    usage: Usage
    prompt: JsonValue
    """What the model was shown (before masking)."""
    exchanges: list[Exchange] = []
    """The model's requests and responses as sent (masked), kept in the run's log."""


def arm_id(en: str) -> str:
    """An arm is its line: the same text keeps the same id from cycle to cycle."""
    return "L" + hashlib.sha256(en.encode()).hexdigest()[:8]


def _spec(raw: dict[str, JsonValue]) -> LineSpec:
    return LineSpec(**raw)  # type: ignore[arg-type]


def _candidate(line: SubjectLine) -> Candidate:
    return Candidate(
        id=arm_id(line.en),
        en=line.en,
        fr=line.fr,
        spec=asdict(line.spec),
        rationale=line.rationale,
    )


def model_writer_for(env: Environment) -> ModelLineWriter | None:
    """The model writer this run's copywriter uses, or None for the offline generator."""
    found = env.resources.get(MODEL_RESOURCE)
    model = found if isinstance(found, RunModel) and not found.offline else None
    choice = env.settings.get(WRITER_SETTING, "").strip().lower()
    if choice not in ("", "model", "offline"):
        raise ConfigError(
            f"setting '{WRITER_SETTING}' must be 'model' or 'offline', not {choice!r}",
            f"pass --set {WRITER_SETTING}=model, or leave it unset",
            key=WRITER_SETTING,
        )
    if choice == "offline" or (model is None and choice == ""):
        return None
    if model is None:
        raise ConfigError(
            f"setting '{WRITER_SETTING}=model' needs a model, and this run has none",
            "pass --model provider:name, or drop the setting to write offline",
            key=WRITER_SETTING,
        )
    policy = policy_for_workspace(env.workspace, dict(env.settings))
    return ModelLineWriter(
        model,
        blocked=policy.copy_rules.blocked,
        brand_voice=env.settings.get(BRAND_VOICE_SETTING, "").strip(),
    )


class Copywriter(Specialist):
    name = "copywriter"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)

        def write(request: WriteRequest, _: ToolContext) -> Written:
            lines = generate_lines(
                [_spec(s) for s in request.specs], brand=request.brand, seed=request.seed
            )
            return Written(lines=[_candidate(line) for line in lines])

        self.write = Tool(
            "write_lines", "Write subject lines from features.", WriteRequest, Written, write
        )
        self.model_writer = model_writer_for(env)
        tools: tuple[Tool[WriteRequest, Written] | Tool[ModelWriteRequest, ModelWritten], ...] = (
            self.write,
        )
        if self.model_writer is not None:
            writer = self.model_writer

            def write_with_model(request: ModelWriteRequest, _: ToolContext) -> ModelWritten:
                writing = writer.write(
                    [_spec(s) for s in request.specs],
                    brand=request.brand,
                    segments=request.segments,
                    avoid=request.avoid,
                )
                return ModelWritten(
                    model=writer.model.name,
                    lines=[_candidate(line) if line else None for line in writing.lines],
                    rejected=list(writing.rejected),
                    usage=writing.usage,
                    prompt=writing.prompt,
                    exchanges=list(writer.model.take_exchanges()),
                )

            self.write_with_model = Tool(
                "write_lines_with_model",
                "Write subject lines from features with the run's model.",
                ModelWriteRequest,
                ModelWritten,
                write_with_model,
            )
            tools = (self.write, self.write_with_model)
        self.spec = AgentSpec(
            name=self.name,
            purpose="Write subject-line variants in English and French from explicit features",
            needs=frozenset({"segments"}),
            wants=frozenset({"experiment.results", "copy.tried"}),
            provides=frozenset({"copy.candidates", "copy.tried"}),
            tools=tools,
            per_cycle=True,
        )

    def act(self, brief: Brief) -> AgentResult:
        tried = {
            c.id: c
            for c in (
                Candidate.model_validate(raw)
                for raw in as_dicts(brief.fact("copy.tried") if brief.has("copy.tried") else [])
            )
        }
        results = as_results(
            brief.fact("experiment.results") if brief.has("experiment.results") else {}
        )
        segments = [str(s["id"]) for s in as_dicts(brief.fact("segments"))]
        rng = np.random.default_rng(self.env.seed * 1000 + brief.cycle)
        model = fit_line_effects(
            {arm: _spec(c.spec) for arm, c in tried.items()}, results, segments
        )
        if model is None:
            specs = informative_specs(FIRST_LINES, seed=self.env.seed + brief.cycle)
            why = "no results yet: lines whose features, side by side, tell their effects apart"
        elif brief.cycles_left == 0:
            specs = _choose(model, segments, rng, explore=False)
            why = "the budget's last send: each segment's best line by the learned feature "
            why += "effects, nothing sent only to learn"
        else:
            specs = _choose(model, segments, rng, explore=True)
            why = "each segment's best line by the learned feature effects, and one drawn per "
            why += "segment where the effects are still uncertain"
        by_spec = _by_spec(tried.values(), results)
        reused = [by_spec[s] for s in specs if s in by_spec]
        fresh = [s for s in specs if s not in by_spec]
        written, usage, by_model = self._write(fresh, reused, brief)
        lines = [*reused, *(c for c in written if c.id not in {r.id for r in reused})]
        tried.update((c.id, c) for c in lines)
        summary = "; ".join(f"{c.id} “{c.en}” ({c.rationale})" for c in lines)
        effects: dict[str, JsonValue] = {}
        if model is not None:
            for seg in segments:
                values = [round(float(v), 3) for v in model.effects(seg)]
                effects[seg] = dict(zip(FEATURE_NAMES, values, strict=True))
        return AgentResult(
            output={"lines": [c.model_dump() for c in lines], "feature_effects": effects},
            facts=(
                Fact(
                    key="copy.candidates",
                    value=[c.model_dump(mode="json") for c in lines],
                    source="write_lines",
                ),
                Fact(
                    key="copy.tried",
                    value=[c.model_dump(mode="json") for c in tried.values()],
                    source="write_lines",
                ),
            ),
            text=(
                f"Kept {len(reused)} lines and wrote {len(lines) - len(reused)}{by_model} "
                f"({why}): {summary}."
            ),
            usage=usage,
        )

    def _write(
        self, specs: list[LineSpec], kept: list[Candidate], brief: Brief
    ) -> tuple[list[Candidate], Usage, str]:
        """Fresh lines for ``specs`` in order, the model usage spent, and who wrote them."""
        if not specs:
            return [], Usage(), ""
        seed = self.env.seed * 1000 + brief.cycle
        brand = self.newsletter.brand
        if self.model_writer is None:
            written = self.use(
                self.write,
                WriteRequest(specs=[asdict(s) for s in specs], brand=brand, seed=seed),  # type: ignore[misc]
                brief,
            )
            return written.lines, Usage(), ""
        by_model = self.use(
            self.write_with_model,
            ModelWriteRequest(
                specs=[asdict(s) for s in specs],  # type: ignore[misc]
                brand=brand,
                segments=brief.fact("segments") if brief.has("segments") else None,
                avoid=[text for c in kept for text in (c.en, c.fr)],
            ),
            brief,
        )
        lines = list(by_model.lines)
        missing = [i for i, line in enumerate(lines) if line is None]
        if missing:
            # The offline generator writes what the model could not; its call is evidence too.
            filled = self.use(
                self.write,
                WriteRequest(
                    specs=[asdict(specs[i]) for i in missing],  # type: ignore[misc]
                    brand=brand,
                    seed=seed,
                ),
                brief,
            )
            for index, candidate in zip(missing, filled.lines, strict=True):
                lines[index] = candidate
        note = f" ({len(specs) - len(missing)} by {by_model.model}, {len(missing)} offline)"
        return [c for c in lines if c is not None], by_model.usage, note


def _choose(
    model: FeatureModel, segments: list[str], rng: np.random.Generator, *, explore: bool
) -> list[LineSpec]:
    """Each segment's best spec by the posterior mean, then (while later cycles can use what it
    teaches) each segment's best spec by one Thompson draw, when the draw disagrees; at least
    three lines, the segments' runners-up by the mean."""
    specs = supported_specs()
    matrix = _spec_matrix()
    means = [np.argsort(-(matrix @ model.effects(seg)), kind="stable") for seg in segments]
    best = [specs[int(order[0])] for order in means]
    if explore:
        best += [specs[int(np.argmax(matrix @ model.sample_effects(s, rng)))] for s in segments]
    chosen = list(dict.fromkeys(best))  # a line several segments agree on is written once
    # At least three lines a send, whatever the model says.
    for order in itertools.cycle(means):
        if len(chosen) >= 3:
            break
        _add_first_new(chosen, specs, order)
    return chosen[:LINES_PER_CYCLE]


def _add_first_new(
    chosen: list[LineSpec], specs: tuple[LineSpec, ...], order: npt.NDArray[np.intp]
) -> None:
    for k in order:
        if specs[int(k)] not in chosen:
            chosen.append(specs[int(k)])
            return


def _spec_matrix() -> npt.NDArray[np.float64]:
    return np.array([spec_vector(s) for s in supported_specs()], dtype=np.float64)


def _by_spec(
    candidates: Iterable[Candidate], results: dict[str, dict[str, list[int]]]
) -> dict[LineSpec, Candidate]:
    """The line already written for each spec: the one sent most, so its results keep growing."""
    sent = {arm: sum(v[1] for v in by.values()) for arm, by in results.items()}
    best: dict[LineSpec, Candidate] = {}
    for c in sorted(candidates, key=lambda c: (-sent.get(c.id, 0), c.id)):
        best.setdefault(_spec(c.spec), c)
    return best
