"""Reading facts back from a brief: facts are JSON, and agents want typed shapes."""

from __future__ import annotations

from pydantic import JsonValue

__all__ = ["as_dict", "as_dicts", "as_results", "results_json"]

Results = dict[str, dict[str, list[int]]]
"""arm -> segment -> [human openers, delivered]."""


def as_dict(value: JsonValue) -> dict[str, JsonValue]:
    return value if isinstance(value, dict) else {}


def as_dicts(value: JsonValue) -> list[dict[str, JsonValue]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def as_results(value: JsonValue) -> Results:
    """Experiment results as counts; anything malformed is left out."""
    out: Results = {}
    for arm, by_segment in as_dict(value).items():
        for segment, counts in as_dict(by_segment).items():
            if isinstance(counts, list) and len(counts) == 2:
                out.setdefault(arm, {})[segment] = [int(str(counts[0])), int(str(counts[1]))]
    return out


def results_json(results: Results) -> JsonValue:
    return {arm: {seg: [v[0], v[1]] for seg, v in by.items()} for arm, by in results.items()}
