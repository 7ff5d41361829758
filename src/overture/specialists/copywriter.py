"""The copywriter: subject-line variants in the contact's language, built from explicit features.

Offline it writes with the feature-based generator (:mod:`overture.specialists.copy_generator`):
a first cycle explores lines covering every feature; later cycles keep the lines that are
winning on human opens, try their one-feature neighbours, and keep exploring. Winners keep
their exact text, so their results keep accumulating.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from pydantic import BaseModel, JsonValue

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.records import Fact
from overture.specialists.base import Specialist
from overture.specialists.copy_generator import (
    LineSpec,
    explore_specs,
    generate_lines,
    neighbours,
)

__all__ = ["Candidate", "Copywriter", "WriteRequest", "arm_id"]

LINES_PER_CYCLE = 6
KEEP = 2


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


def arm_id(en: str) -> str:
    """An arm is its line: the same text keeps the same id from cycle to cycle."""
    return "L" + hashlib.sha256(en.encode()).hexdigest()[:8]


def _spec(raw: dict[str, JsonValue]) -> LineSpec:
    return LineSpec(**raw)  # type: ignore[arg-type]


class Copywriter(Specialist):
    name = "copywriter"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)

        def write(request: WriteRequest, _: ToolContext) -> Written:
            lines = generate_lines(
                [_spec(s) for s in request.specs], brand=request.brand, seed=request.seed
            )
            return Written(
                lines=[
                    Candidate(
                        id=arm_id(line.en),
                        en=line.en,
                        fr=line.fr,
                        spec=asdict(line.spec),
                        rationale=line.rationale,
                    )
                    for line in lines
                ]
            )

        self.write = Tool(
            "write_lines", "Write subject lines from features.", WriteRequest, Written, write
        )
        self.spec = AgentSpec(
            name=self.name,
            purpose="Write subject-line variants in English and French from explicit features",
            needs=frozenset({"segments"}),
            wants=frozenset({"experiment.results", "copy.candidates"}),
            provides=frozenset({"copy.candidates"}),
            tools=(self.write,),
            per_cycle=True,
        )

    def act(self, brief: Brief) -> AgentResult:
        previous = [
            Candidate.model_validate(c)
            for c in _list(brief.fact("copy.candidates") if brief.has("copy.candidates") else [])
        ]
        winners = _ranked(
            previous, brief.fact("experiment.results") if brief.has("experiment.results") else {}
        )
        kept = winners[:KEEP]
        specs: list[LineSpec] = [_spec(c.spec) for c in kept]
        if kept:
            for near in neighbours(specs[0]):
                if len(specs) >= KEEP + 2:
                    break
                if near not in specs:
                    specs.append(near)
        specs = explore_specs(LINES_PER_CYCLE, seed=self.env.seed + brief.cycle, include=specs)
        fresh_specs = specs[len(kept) :]
        written = self.use(
            self.write,
            WriteRequest(
                specs=[asdict(s) for s in fresh_specs],  # type: ignore[misc]
                brand=self.newsletter.brand,
                seed=self.env.seed * 1000 + brief.cycle,
            ),
            brief,
        )
        lines = [*kept, *(c for c in written.lines if c.id not in {k.id for k in kept})]
        summary = "; ".join(f"{c.id} “{c.en}” ({c.rationale})" for c in lines)
        return AgentResult(
            output={"lines": [c.model_dump() for c in lines]},
            facts=(
                Fact(
                    key="copy.candidates",
                    value=[c.model_dump(mode="json") for c in lines],
                    source="write_lines",
                ),
            ),
            text=f"Kept {len(kept)} winning lines and wrote {len(lines) - len(kept)}: {summary}.",
        )


def _list(value: JsonValue) -> list[JsonValue]:
    return value if isinstance(value, list) else []


def _ranked(candidates: list[Candidate], results: JsonValue) -> list[Candidate]:
    """Candidates with results, best posterior mean of human opens first."""
    if not isinstance(results, dict):
        return []
    scored: list[tuple[float, str, Candidate]] = []
    for candidate in candidates:
        by_segment = results.get(candidate.id)
        if not isinstance(by_segment, dict):
            continue
        opened = delivered = 0
        for counts in by_segment.values():
            if isinstance(counts, list) and len(counts) == 2:
                opened += int(str(counts[0]))
                delivered += int(str(counts[1]))
        if delivered:
            scored.append(((opened + 1) / (delivered + 2), candidate.id, candidate))
    return [c for _, _, c in sorted(scored, key=lambda t: (-t[0], t[1]))]
