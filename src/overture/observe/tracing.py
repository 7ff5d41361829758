"""OpenTelemetry spans for a run, by wrapping: the conductor's steps and its decider.

:class:`TracingSteps` times every call the loop makes through its steps (model decisions, agent
dispatches, reviews, deliveries, event writes) and :class:`TracingDecider` every model call, so
the loop itself is untouched. Spans nest as run → step → model call, run → agent, run → tool, with
the GenAI conventions' attributes and Overture's own (:mod:`overture.observe.attributes`). What
only the event log knows (a brief's size, a measurement, the outcome) is read from it after each
commit and set on the spans still open.

Spans go to the local trace store always, and over OTLP/HTTP as well when an endpoint is set in
the standard variables ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_ENDPOINT``.
``OVERTURE_TRACES=off`` turns tracing off. A durable step that returned its recorded result after
a recovery, rather than running, is marked ``overture.step.replayed``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar, cast

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Span, Status, StatusCode, Tracer
from pydantic import JsonValue
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from overture import __version__
from overture.agents import AgentResult
from overture.clock import Clock
from overture.exceptions import RunNotFound
from overture.models import Decider, DecisionError, DecisionInput, NextStep, Plan
from overture.objective import Objective
from overture.observe import attributes as attr
from overture.observe.pricing import price_call, split_model_name
from overture.observe.traces import SpanStore
from overture.records import Measurement, Usage
from overture.runs import (
    AgentFinished,
    BriefIssued,
    EventPayload,
    RunStore,
    parse_payload,
)
from overture.runs.store import events_table

__all__ = [
    "TRACES_ENV",
    "RunTracing",
    "StepsLike",
    "TracingDecider",
    "TracingSteps",
    "otlp_endpoint",
    "trace_id_for",
    "trace_run",
]

TRACES_ENV = "OVERTURE_TRACES"
_OTLP_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_WRITE_EVERY_MS = 2000
"""How often finished spans are written to the trace store (and on every wait, and at the end)."""

R = TypeVar("R")


class StepsLike(Protocol):
    """The conductor's ``Steps`` interface, restated here because observe sits below it."""

    def step(self, name: str, fn: Callable[[], R]) -> R: ...
    def record(self, name: str, fn: Callable[[Session], R]) -> R: ...
    def transaction(self, name: str, fn: Callable[[Session], R]) -> R: ...
    def wait_until(self, clock: Clock, moment: datetime) -> None: ...
    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None: ...


def otlp_endpoint() -> str | None:
    """The OTLP/HTTP endpoint configured in the environment, or None."""
    for name in _OTLP_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def trace_id_for(run_id: str) -> int:
    """Every execution of a run (a first start, a recovery) shares one trace id."""
    return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:16], "big") or 1


class _RunIds(RandomIdGenerator):
    def __init__(self, run_id: str) -> None:
        self._trace_id = trace_id_for(run_id)

    def generate_trace_id(self) -> int:
        return self._trace_id


class _MarkRun(SpanProcessor):
    """Marks every span with its run, so the trace store and any backend can find it."""

    def __init__(self, run_id: str) -> None:
        self._run_id = run_id

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        span.set_attribute(attr.RUN_ID, self._run_id)


class _ToStore(SpanExporter):
    """Writes finished spans to the trace store, in batches, off the run's own thread."""

    def __init__(self, store: SpanStore) -> None:
        self._store = store

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self._store.write(spans)
        return SpanExportResult.SUCCESS


@dataclass
class RunTracing:
    """The tracer of one run's execution and where its spans go."""

    run_id: str
    provider: TracerProvider
    tracer: Tracer

    @classmethod
    def create(cls, run_id: str, spans: SpanStore, endpoint: str | None = None) -> RunTracing:
        endpoint = endpoint or otlp_endpoint()
        provider = TracerProvider(
            resource=Resource.create({"service.name": "overture", "service.version": __version__}),
            id_generator=_RunIds(run_id),
            shutdown_on_exit=endpoint is not None,
        )
        provider.add_span_processor(_MarkRun(run_id))
        provider.add_span_processor(
            BatchSpanProcessor(_ToStore(spans), schedule_delay_millis=_WRITE_EVERY_MS)
        )
        if endpoint is not None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            url = endpoint if endpoint.rstrip("/").endswith("/v1/traces") else None
            base = None if url else endpoint.rstrip("/") + "/v1/traces"
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url or base)))
        return cls(run_id, provider, provider.get_tracer("overture", __version__))

    def flush(self) -> None:
        self.provider.force_flush()

    def close(self) -> None:
        self.provider.shutdown()


@dataclass
class TracingDecider(Decider):
    """The run's decider, with a span for every model call (GenAI ``chat``)."""

    tracer: Tracer | None = None

    def plan(self, view: DecisionInput) -> tuple[Plan, Usage]:
        return self._traced("plan", lambda: Decider.plan(self, view))

    def next_step(self, view: DecisionInput) -> tuple[NextStep, Usage]:
        return self._traced("next", lambda: Decider.next_step(self, view))

    def _traced(self, question: str, ask: Callable[[], tuple[R, Usage]]) -> tuple[R, Usage]:
        if self.tracer is None:
            return ask()
        provider, model = split_model_name(self.name)
        with self.tracer.start_as_current_span(
            f"{attr.OP_CHAT} {model}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                attr.SPAN_KIND: "model",
                attr.OPERATION: attr.OP_CHAT,
                attr.PROVIDER: provider,
                attr.REQUEST_MODEL: model,
                attr.QUESTION: question,
            },
            record_exception=False,
        ) as span:
            try:
                answer, usage = ask()
            except DecisionError as error:
                _usage_attributes(span, self.name, error.usage)
                span.set_status(Status(StatusCode.ERROR, str(error)))
                raise
            _usage_attributes(span, self.name, usage)
            return answer, usage


def _usage_attributes(span: Span, model_name: str, usage: Usage) -> None:
    price = price_call(model_name, usage.input_tokens, usage.output_tokens)
    span.set_attribute(attr.INPUT_TOKENS, usage.input_tokens)
    span.set_attribute(attr.OUTPUT_TOKENS, usage.output_tokens)
    span.set_attribute(attr.PRICE_SOURCE, price.source)
    span.set_attribute(attr.UNPRICED, not price.priced)
    if price.cost_usd is not None:
        span.set_attribute(attr.COST_USD, price.cost_usd)


@dataclass
class _OpenAgent:
    span: Span
    agent: str
    end_ns: int
    briefed: bool = False


@dataclass
class TracingSteps:
    """The run's steps, with a span for each call; spans nest under one span for the run."""

    inner: StepsLike
    tracing: RunTracing
    store: RunStore
    run_id: str
    objective: str
    _run: Span | None = None
    _agents: list[_OpenAgent] = field(default_factory=list[_OpenAgent])

    def __post_init__(self) -> None:
        # What only the log knows (a brief's size) is read from the events as they are written:
        # no query, whichever session or transaction writes them.
        sa_event.listen(self.store.engine, "before_execute", self._on_execute)

    # -- the Steps interface -------------------------------------------------------------------

    def step(self, name: str, fn: Callable[[], R]) -> R:
        kind, span_name, attributes = _describe(name)
        tracer = self.tracing.tracer
        span = tracer.start_span(
            span_name, context=self._context(), attributes={**attributes, attr.SPAN_KIND: kind}
        )
        ran = False

        def body() -> R:
            nonlocal ran
            ran = True
            return fn()

        try:
            with trace.use_span(span, end_on_exit=False):
                result = self.inner.step(name, body)
        except BaseException as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            span.end()
            raise
        span.set_attribute(attr.REPLAYED, not ran)
        _annotate(span, result)
        if kind == "agent":
            # Ended once the log says what the agent was briefed with and what it returned.
            end = time.time_ns()  # wall time, as every span's: latency, not run logic
            self._agents.append(_OpenAgent(span, attributes[attr.AGENT_NAME], end))
        else:
            span.end()
        return result

    def record(self, name: str, fn: Callable[[Session], R]) -> R:
        return self._write(name, fn, self.inner.record)

    def transaction(self, name: str, fn: Callable[[Session], R]) -> R:
        return self._write(name, fn, self.inner.transaction)

    def wait_until(self, clock: Clock, moment: datetime) -> None:
        self.tracing.flush()
        self.inner.wait_until(clock, moment)

    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
        self.tracing.flush()
        with self.tracing.tracer.start_as_current_span(
            f"wait {topic}", context=self._context(), attributes={attr.SPAN_KIND: "step"}
        ):
            return self.inner.wait_for_message(topic, timeout_seconds)

    # -- the run span and what the log adds ----------------------------------------------------

    def _context(self) -> Context:
        if self._run is None:
            self._run = self.tracing.tracer.start_span(
                f"run {self.run_id}",
                attributes={
                    attr.SPAN_KIND: "run",
                    attr.OBJECTIVE: self.objective,
                    attr.RUN_ID: self.run_id,
                },
            )
        return trace.set_span_in_context(self._run)

    def _write(
        self,
        name: str,
        fn: Callable[[Session], R],
        write: Callable[[str, Callable[[Session], R]], R],
    ) -> R:
        with self.tracing.tracer.start_as_current_span(
            f"write {name}",
            context=self._context(),
            attributes={attr.SPAN_KIND: "step", attr.STEP_NAME: name},
        ) as span:
            ran = False

            def body(session: Session) -> R:
                nonlocal ran
                ran = True
                return fn(session)

            result = write(name, body)
            span.set_attribute(attr.REPLAYED, not ran)
            _annotate(span, result)
        if name == "end":
            self._finish()
        return result

    def _on_execute(
        self,
        conn: object,
        clause: object,
        multiparams: Sequence[Mapping[str, object]],
        params: Mapping[str, object],
        execution_options: object,
    ) -> None:
        if getattr(clause, "table", None) is not events_table:
            return
        for row in multiparams or (params,):
            if row.get("run_id") != self.run_id:
                continue
            kind, payload = row.get("kind"), row.get("payload")
            if kind in {"brief_issued", "agent_finished"} and isinstance(payload, str):
                self._logged(parse_payload(payload))

    def _logged(self, p: EventPayload) -> None:
        match p:
            case BriefIssued():
                target = next(
                    (a for a in self._agents if a.agent == p.agent and not a.briefed), None
                )
                if target is not None:
                    target.briefed = True
                    target.span.set_attribute(attr.BRIEF_SIZE, p.size_bytes)
                    target.span.set_attribute(attr.BRIEF_WITHHELD, p.withheld_keys)
            case AgentFinished():
                target = next((a for a in self._agents if a.agent == p.agent), None)
                if target is not None:
                    self._agents.remove(target)
                    target.span.end(end_time=target.end_ns)
            case _:
                pass

    def _finish(self) -> None:
        sa_event.remove(self.store.engine, "before_execute", self._on_execute)
        for open_agent in self._agents:
            open_agent.span.end(end_time=open_agent.end_ns)
        self._agents.clear()
        if self._run is not None:
            try:
                summary = self.store.run(self.run_id)
            except RunNotFound:  # the run's first write never happened
                summary = None
            if summary is not None and summary.outcome is not None:
                self._run.set_attribute(attr.OUTCOME, summary.outcome.value)
                self._run.set_attribute(attr.OUTCOME_SUMMARY, summary.summary or "")
            self._run.end()
        self.tracing.close()


def _describe(name: str) -> tuple[str, str, dict[str, str]]:
    """What a step name stands for: its span kind, span name and first attributes."""
    prefix, _, rest = name.partition(":")
    if prefix == "agent" and rest:
        return (
            "agent",
            f"{attr.OP_INVOKE_AGENT} {rest}",
            {attr.OPERATION: attr.OP_INVOKE_AGENT, attr.AGENT_NAME: rest, attr.STEP_NAME: name},
        )
    if prefix == "deliver" and rest:
        return (
            "tool",
            f"{attr.OP_EXECUTE_TOOL} {rest}",
            {attr.OPERATION: attr.OP_EXECUTE_TOOL, attr.TOOL_NAME: rest, attr.STEP_NAME: name},
        )
    return "step", name, {attr.STEP_NAME: name}


def _annotate(span: Span, result: object) -> None:
    """Attributes from what a step returned: a decision, a plan, an agent's result, a receipt."""
    if isinstance(result, Mapping):
        _receipt(span, cast(Mapping[str, JsonValue], result))
        return
    if not isinstance(result, tuple):
        return
    parts = cast(tuple[object, ...], result)
    first = parts[0] if parts else None
    second = parts[1] if len(parts) > 1 else None
    if isinstance(first, Measurement):
        if first.value is not None:
            span.set_attribute(attr.MEASURED_VALUE, first.value)
        met = getattr(second, "met", None)
        if isinstance(met, bool):
            span.set_attribute(attr.MEASURED_MET, met)
    elif isinstance(first, NextStep):
        span.set_attribute(attr.NEXT_AGENT, first.next_agent)
        span.set_attribute(attr.REASON, first.reason)
    elif isinstance(first, Plan):
        span.set_attribute("overture.plan", [step.agent for step in first.steps])
    elif isinstance(first, AgentResult):
        span.set_attribute(attr.FACTS, [fact.key for fact in first.facts])
        span.set_attribute(attr.EVIDENCE_TOOLS, [e.tool for e in first.evidence])
        span.set_attribute(attr.INPUT_TOKENS, first.usage.input_tokens)
        span.set_attribute(attr.OUTPUT_TOKENS, first.usage.output_tokens)
        if isinstance(second, str):
            span.set_attribute(attr.ERROR, second)
            span.set_status(Status(StatusCode.ERROR, second))


def _receipt(span: Span, output: Mapping[str, JsonValue]) -> None:
    accepted = output.get("accepted")
    if isinstance(accepted, int) and not isinstance(accepted, bool):
        span.set_attribute(attr.SENDS, accepted)


def trace_run(
    run_id: str,
    objective: Objective,
    store: RunStore,
    steps: StepsLike,
    decider: Decider,
    *,
    endpoint: str | None = None,
) -> tuple[StepsLike, Decider]:
    """The run's steps and decider wrapped for tracing (unchanged when tracing is off)."""
    if os.environ.get(TRACES_ENV, "").strip().lower() in {"off", "0", "false", "no"}:
        return steps, decider
    tracing = RunTracing.create(run_id, SpanStore(store.engine), endpoint)
    traced = TracingDecider(
        decider.model,
        decider.name,
        masks=decider.masks,
        retries=decider.retries,
        tracer=tracing.tracer,
    )
    return TracingSteps(steps, tracing, store, run_id, objective.describe()), traced
