"""Stand-in provider servers: real HTTP on 127.0.0.1 speaking each provider's wire protocol.

The real client libraries (openai, anthropic, google-genai) are pointed at these through their
base URLs, so tests exercise the same requests and parsing a run would use, without network.
Each server answers from a script of :class:`Reply` objects and, when the script is empty, with
the offline policy's answer to the decision in the prompt (so a run decided through a stand-in
must reach the offline outcome). Every request is kept in ``requests`` for tests to inspect.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self, cast

from pydantic import JsonValue

from overture.models import DecisionInput, Question
from overture.models.offline import next_step, plan

__all__ = [
    "AnthropicStandIn",
    "GeminiStandIn",
    "OpenAIStandIn",
    "Reply",
    "Seen",
    "StandIn",
    "offline_answer",
]

Json = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One scripted reply: a call of the ``answer`` tool, plain text, or an HTTP error."""

    args: JsonValue = None
    """Arguments of the ``answer`` tool call (a dict, or a string sent as raw arguments)."""
    text: str = ""
    """A text reply instead of a tool call (a model that forgot to call the tool)."""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict[str, str])
    raw: JsonValue = None
    """A body sent as it is, instead of one built from the above (a malformed response)."""


@dataclass(frozen=True)
class Seen:
    """A request the stand-in received."""

    path: str
    headers: dict[str, str]
    body: Json

    @property
    def text(self) -> str:
        """The whole request body as sent (for "was this sent at all" checks)."""
        return json.dumps(self.body, ensure_ascii=False)


def offline_answer(prompt: str) -> JsonValue:
    """What the offline policy answers to the decision in ``prompt`` (a DecisionInput as JSON)."""
    view = DecisionInput.model_validate_json(prompt)
    answer = plan(view) if view.question is Question.PLAN else next_step(view)
    return answer.model_dump(mode="json")


class StandIn:
    """A provider's HTTP API on 127.0.0.1 (port chosen by the system), on a thread."""

    error_kinds: ClassVar[dict[int, str]] = {}

    def __init__(self, responder: Callable[[str], JsonValue] = offline_answer) -> None:
        self.responder = responder
        self.script: deque[Reply] = deque()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order."""
        self.script.extend(replies)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # -- one protocol ------------------------------------------------------------------------

    def prompt(self, body: Json) -> str:
        """The first user message's text."""
        raise NotImplementedError

    def success(self, body: Json, reply: Reply, usage: tuple[int, int]) -> Json:
        raise NotImplementedError

    def error(self, status: int) -> Json:
        raise NotImplementedError

    # -- serving -----------------------------------------------------------------------------

    def _answer(
        self, path: str, headers: dict[str, str], body: Json
    ) -> tuple[int, dict[str, str], Json]:
        with self._lock:
            self.requests.append(Seen(path, headers, body))
            scripted = self.script.popleft() if self.script else None
        try:
            reply = scripted or Reply(args=self.responder(self.prompt(body)))
        except ValueError:
            # Not a question the responder can answer (e.g. not a decision): a client error,
            # rather than a dropped connection.
            reply = Reply(status=400)
        if reply.raw is not None:
            return reply.status, reply.headers, cast(Json, reply.raw)
        if reply.status != 200:
            return reply.status, reply.headers, self.error(reply.status)
        sent = len(json.dumps(body)) // 4
        said = len(json.dumps(reply.args) if reply.args is not None else reply.text) // 4
        return 200, reply.headers, self.success(body, reply, (sent, max(said, 1)))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = cast(Json, json.loads(self.rfile.read(length) or b"{}"))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, answer = standin._answer(self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # tests read ``requests``, not a log on stderr

        return Handler


def _arguments(args: JsonValue) -> str:
    return args if isinstance(args, str) else json.dumps(args)


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    parts = cast(list[Json], content)
    return "".join(str(p.get("text", "")) for p in parts)


class OpenAIStandIn(StandIn):
    """OpenAI chat completions: ``POST /v1/chat/completions`` with tools, ``tool_calls`` back."""

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def prompt(self, body: Json) -> str:
        messages = cast(list[Json], body["messages"])
        return _text_of(next(m for m in messages if m["role"] == "user")["content"])

    def success(self, body: Json, reply: Reply, usage: tuple[int, int]) -> Json:
        message: Json = {"role": "assistant", "content": reply.text or None}
        if not reply.text:
            message["tool_calls"] = [
                {
                    "id": f"call_{len(self.requests)}",
                    "type": "function",
                    "function": {"name": "answer", "arguments": _arguments(reply.args)},
                }
            ]
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 1_767_600_000,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "stop" if reply.text else "tool_calls",
                }
            ],
            "usage": {
                "prompt_tokens": usage[0],
                "completion_tokens": usage[1],
                "total_tokens": sum(usage),
            },
        }

    def error(self, status: int) -> Json:
        code = "rate_limit_exceeded" if status == 429 else "server_error"
        return {"error": {"message": f"stand-in says {status}", "type": code, "code": code}}


class AnthropicStandIn(StandIn):
    """Anthropic messages: ``POST /v1/messages`` with tools, ``tool_use`` blocks back."""

    def prompt(self, body: Json) -> str:
        messages = cast(list[Json], body["messages"])
        return _text_of(next(m for m in messages if m["role"] == "user")["content"])

    def success(self, body: Json, reply: Reply, usage: tuple[int, int]) -> Json:
        content: list[Json]
        if reply.text:
            content = [{"type": "text", "text": reply.text}]
        else:
            args = reply.args if not isinstance(reply.args, str) else {"raw": reply.args}
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{len(self.requests)}",
                    "name": "answer",
                    "input": args,
                }
            ]
        return {
            "id": f"msg_{len(self.requests)}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": "end_turn" if reply.text else "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        }

    def error(self, status: int) -> Json:
        kind = "rate_limit_error" if status == 429 else "api_error"
        return {"type": "error", "error": {"type": kind, "message": f"stand-in says {status}"}}


class GeminiStandIn(StandIn):
    """Gemini: ``POST /v1beta/models/<m>:generateContent``, ``functionCall`` parts back."""

    def prompt(self, body: Json) -> str:
        contents = cast(list[Json], body["contents"])
        first = next(c for c in contents if c.get("role", "user") == "user")
        return "".join(str(p.get("text", "")) for p in cast(list[Json], first["parts"]))

    def success(self, body: Json, reply: Reply, usage: tuple[int, int]) -> Json:
        part: Json
        if reply.text:
            part = {"text": reply.text}
        else:
            args = reply.args if not isinstance(reply.args, str) else {"raw": reply.args}
            part = {"functionCall": {"name": "answer", "args": args}}
        return {
            "candidates": [
                {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": usage[0],
                "candidatesTokenCount": usage[1],
                "totalTokenCount": sum(usage),
            },
            "modelVersion": "stand-in",
        }

    def error(self, status: int) -> Json:
        state = "RESOURCE_EXHAUSTED" if status == 429 else "INTERNAL"
        return {"error": {"code": status, "message": f"stand-in says {status}", "status": state}}
