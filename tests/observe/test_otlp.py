"""Trace export end to end: spans reach a real OTLP/HTTP receiver started on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from overture.conductor import Runner
from overture.observe import attributes as attr
from overture.observe import otlp_endpoint
from overture.observe.tracing import trace_id_for

ToyRun = Callable[..., str]


class Receiver(HTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[ExportTraceServiceRequest] = []
        self.paths: list[str] = []
        self.content_types: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        assert isinstance(self.server, Receiver)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.requests.append(request)
        self.server.paths.append(self.path)
        self.server.content_types.append(self.headers["Content-Type"])
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _value(value: AnyValue) -> object:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None


def _positive(value: object) -> bool:
    return isinstance(value, int) and value > 0


def test_spans_are_exported_over_otlp_http(
    receiver: Receiver, runner: Runner, toy_run: ToyRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    assert otlp_endpoint() == receiver.url
    run_id = toy_run()
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
    assert set(receiver.content_types) == {"application/x-protobuf"}
    spans: dict[str, dict[str, object]] = {}
    services: set[object] = set()
    trace_ids: set[bytes] = set()
    for request in receiver.requests:
        for resource_spans in request.resource_spans:
            services |= {
                _value(a.value)
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            }
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    trace_ids.add(span.trace_id)
                    attrs = {a.key: _value(a.value) for a in span.attributes}
                    spans.setdefault(span.name, attrs)
    assert services == {"overture"}
    assert trace_ids == {trace_id_for(run_id).to_bytes(16, "big")}
    run = spans[f"run {run_id}"]
    assert run[attr.OUTCOME] == "reached" and run[attr.RUN_ID] == run_id
    chat = spans["chat offline"]
    assert chat[attr.OPERATION] == "chat"
    assert chat[attr.REQUEST_MODEL] == "offline"
    assert chat[attr.PROVIDER] == "overture"
    assert _positive(chat[attr.INPUT_TOKENS]) and _positive(chat[attr.OUTPUT_TOKENS])
    agent = spans["invoke_agent scout"]
    assert agent[attr.AGENT_NAME] == "scout" and agent[attr.OPERATION] == "invoke_agent"
    assert _positive(agent[attr.BRIEF_SIZE])
    tool = spans["execute_tool send"]
    assert tool[attr.TOOL_NAME] == "send" and tool[attr.OPERATION] == "execute_tool"


def test_a_traces_endpoint_is_used_as_given(
    receiver: Receiver, runner: Runner, toy_run: ToyRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url + "/v1/traces")
    toy_run()
    assert receiver.requests and set(receiver.paths) == {"/v1/traces"}
