"""Specialists: the agents the conductor hands tasks to, and the offline tools they stand on."""

from overture.specialists.copy_generator import (
    LineSpec,
    SubjectLine,
    generate_lines,
    is_supported,
    neighbours,
    phrasings,
    supported_specs,
)

__all__ = [
    "LineSpec",
    "SubjectLine",
    "generate_lines",
    "is_supported",
    "neighbours",
    "phrasings",
    "supported_specs",
]
