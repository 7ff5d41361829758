"""Calibrating the hallucination check: a scripted writer that invents figures at a known rate.

The writer is given a step's evidence (a segment's send statistics as a tool returned them) and
writes a short report about it, the way a specialist would: counts with thousands separators,
rates as percentages or decimals, money, ``12.4k`` style counts, a quoted segment and subject
line. Each figure or name is, with probability ``invent_rate``, replaced by an invented one (off
by 15 % to 100 %, or a name not in the evidence). Since the writer knows which claims it invented,
the check's recall (invented claims caught) and false-positive rate (true claims flagged) can be
measured exactly. Seeded: the same seed writes the same texts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import JsonValue

from overture.observe.claims import DEFAULT_RELATIVE_TOLERANCE, EvidenceIndex, check_text

__all__ = ["Calibration", "ScriptedText", "calibrate", "scripted_text"]

_SEGMENTS = (
    "Lapsed buyers",
    "VIP customers",
    "New subscribers",
    "Weekend readers",
    "High intent",
    "Dormant 90 days",
)
_SUBJECTS = (
    "Your weekly picks are here",
    "A little something for you",
    "Last chance: the spring edit",
    "We saved you a seat",
    "What our readers loved this week",
)
_INVENTED_NAMES = (
    "Loyal regulars",
    "Cart abandoners",
    "Big spenders",
    "Don't miss this week",
    "Hello again, friend",
)


@dataclass(frozen=True)
class ScriptedText:
    """A written text, its evidence, and where each claim sits and whether it was invented."""

    text: str
    evidence: tuple[JsonValue, ...]
    slots: tuple[tuple[int, int, bool], ...]
    """``(start, end, invented)`` for every claim written into the text."""


@dataclass(frozen=True)
class Calibration:
    """How the check did on scripted texts with a known share of invented claims."""

    texts: int
    invented: int
    caught: int
    grounded: int
    false_positives: int

    @property
    def recall(self) -> float:
        return self.caught / self.invented if self.invented else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.grounded if self.grounded else 0.0


def _off(rng: np.random.Generator, value: float) -> float:
    """A value 15 % to 100 % away from ``value``, up or down."""
    factor = rng.uniform(1.15, 2.0) if rng.random() < 0.5 else rng.uniform(0.3, 0.85)
    return value * factor


_Format = Callable[[float], str]


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _thousands(value: float) -> str:
    return f"{value / 1000:.1f}k" if value >= 1000 else str(round(value))


def scripted_text(rng: np.random.Generator, invent_rate: float) -> ScriptedText:
    """One report on one segment's sends; each claim invented with probability ``invent_rate``."""
    segment = str(rng.choice(_SEGMENTS))
    subject = str(rng.choice(_SUBJECTS))
    delivered = int(rng.integers(800, 250_000))
    opens = int(delivered * rng.uniform(0.08, 0.55))
    clicks = int(opens * rng.uniform(0.05, 0.35)) + 1
    baseline = float(rng.uniform(0.08, 0.45))
    open_rate = opens / delivered
    revenue = round(float(rng.uniform(50, 90_000)), 2)
    cost = round(float(rng.uniform(1, 400)), 2)
    output: dict[str, JsonValue] = {
        "segment": segment,
        "subject": subject,
        "delivered": delivered,
        "human_opens": opens,
        "clicks": clicks,
        "open_rate": open_rate,
        "baseline_open_rate": baseline,
        "relative_lift": open_rate / baseline - 1,
        "click_rate": clicks / opens,
        "revenue_usd": revenue,
        "cost_usd": cost,
    }
    figures: list[tuple[str, float, _Format, str]] = [
        ("We delivered ", delivered, lambda v: f"{round(v):,}", " emails"),
        (", of which ", opens, lambda v: str(round(v)), " were opened by people"),
        (" (an open rate of ", open_rate, lambda v: f"{v:.1%}", ""),
        (" against a baseline of ", baseline, lambda v: f"{v:.2%}", ")."),
        (" That is a relative change of ", abs(open_rate / baseline - 1), _percent, "."),
        (" Readers clicked ", clicks, _thousands, " times"),
        (", a click rate of ", clicks / opens, lambda v: f"{v:.3f}", "."),
        (" Attributed revenue was $", revenue, lambda v: f"{v:,.2f}", ""),
        (" for a send cost of ", cost, lambda v: f"{v:.2f} USD", "."),
    ]
    parts: list[str] = []
    slots: list[tuple[int, int, bool]] = []

    def write(text: str) -> None:
        parts.append(text)

    def claim(text: str, invented: bool) -> None:
        start = sum(len(p) for p in parts)
        parts.append(text)
        slots.append((start, start + len(text), invented))

    write("Segment ")
    invented = bool(rng.random() < invent_rate)
    claim(f"'{rng.choice(_INVENTED_NAMES) if invented else segment}'", invented)
    write(" got the subject line ")
    invented = bool(rng.random() < invent_rate)
    claim(f"'{rng.choice(_INVENTED_NAMES) if invented else subject}'", invented)
    write(". ")
    for before, value, fmt, after in figures:
        write(before)
        invented = bool(rng.random() < invent_rate)
        claim(fmt(_off(rng, value) if invented else value), invented)
        write(after)
    output_json: JsonValue = output
    evidence: tuple[JsonValue, ...] = (
        {"tool": "segment_send_stats", "input": {"segment": segment}, "output": output_json},
    )
    return ScriptedText("".join(parts), evidence, tuple(slots))


def calibrate(
    texts: int,
    invent_rate: float,
    seed: int,
    *,
    rel_tol: float = DEFAULT_RELATIVE_TOLERANCE,
) -> Calibration:
    """Write ``texts`` scripted texts and measure the check's recall and false positives."""
    rng = np.random.default_rng(seed)
    invented = caught = grounded = false_positives = 0
    for _ in range(texts):
        scripted = scripted_text(rng, invent_rate)
        checked = check_text(scripted.text, EvidenceIndex.of(scripted.evidence), rel_tol=rel_tol)
        for start, end, was_invented in scripted.slots:
            inside = [c for c in checked.claims if c.start < end and c.end > start]
            flagged = not inside or any(not c.supported for c in inside)
            if was_invented:
                invented += 1
                caught += flagged and bool(inside)
            else:
                grounded += 1
                false_positives += flagged
    return Calibration(texts, invented, caught, grounded, false_positives)
