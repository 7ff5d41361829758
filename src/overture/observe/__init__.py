"""Observation of runs: OpenTelemetry spans and their attribute names, KPIs, the hallucination
check, cost with price provenance, and reports."""

from overture.observe.claims import (
    Claim,
    ClaimKind,
    EvidenceIndex,
    TextCheck,
    check_text,
    extract_claims,
)
from overture.observe.pricing import Price, price_call
from overture.observe.traces import SpanRecord, SpanStore
from overture.observe.tracing import (
    RunTracing,
    TracingDecider,
    TracingSteps,
    otlp_endpoint,
    trace_run,
)

__all__ = [
    "Claim",
    "ClaimKind",
    "EvidenceIndex",
    "Price",
    "RunTracing",
    "SpanRecord",
    "SpanStore",
    "TextCheck",
    "TracingDecider",
    "TracingSteps",
    "check_text",
    "extract_claims",
    "otlp_endpoint",
    "price_call",
    "trace_run",
]
