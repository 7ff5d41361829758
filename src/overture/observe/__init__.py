"""Observation of runs: OpenTelemetry spans and their attribute names, KPIs, the hallucination
check, cost with price provenance, and reports."""

from overture.observe.calibration import Calibration, calibrate
from overture.observe.claims import (
    Claim,
    ClaimKind,
    EvidenceIndex,
    TextCheck,
    check_text,
    extract_claims,
)
from overture.observe.kpis import KpiSummary, RunKpis, run_kpis, summarize
from overture.observe.pricing import Price, price_call
from overture.observe.report import ReportFormat, RunReport, build_report, write_report
from overture.observe.traces import SpanRecord, SpanStore
from overture.observe.tracing import (
    RunTracing,
    TracingDecider,
    TracingSteps,
    otlp_endpoint,
    trace_run,
)

__all__ = [
    "Calibration",
    "Claim",
    "ClaimKind",
    "EvidenceIndex",
    "KpiSummary",
    "Price",
    "ReportFormat",
    "RunKpis",
    "RunReport",
    "RunTracing",
    "SpanRecord",
    "SpanStore",
    "TextCheck",
    "TracingDecider",
    "TracingSteps",
    "build_report",
    "calibrate",
    "check_text",
    "extract_claims",
    "otlp_endpoint",
    "price_call",
    "run_kpis",
    "summarize",
    "trace_run",
    "write_report",
]
