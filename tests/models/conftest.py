"""Fixtures for model tests: stand-in provider servers and the environment pointing at them."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# The conductor tests' toy plugin is imported by name; its folder goes first, as its own
# conftest puts it, so ``from conftest import`` there finds that one.
CONDUCTOR = HERE.parent / "conductor"
if str(CONDUCTOR) not in sys.path:
    sys.path.insert(0, str(CONDUCTOR))
# The stand-ins are loaded by file, not by putting this folder on sys.path, where this
# conftest would shadow the conductor's.
if "standins" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("standins", HERE / "standins.py")
    assert _spec is not None and _spec.loader is not None
    sys.modules["standins"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["standins"])

from standins import AnthropicStandIn, GeminiStandIn, OpenAIStandIn, StandIn  # noqa: E402

_KEYS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "OVERTURE_OPENAI_BASE_URL",
    "OVERTURE_OPENAI_API_KEY",
    "OLLAMA_BASE_URL",
    "OLLAMA_API_KEY",
    "OVERTURE_MODEL",
)


@pytest.fixture(autouse=True)
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key or URL from the machine leaks into a test (nor any request to a real provider)."""
    for name in _KEYS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def openai_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStandIn]:
    with OpenAIStandIn() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def anthropic_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnthropicStandIn]:
    with AnthropicStandIn() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


@pytest.fixture
def gemini_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[GeminiStandIn]:
    with GeminiStandIn() as server:
        monkeypatch.setenv("GOOGLE_API_KEY", "g-test")
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        yield server


@pytest.fixture
def compatible_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStandIn]:
    with OpenAIStandIn() as server:
        monkeypatch.setenv("OVERTURE_OPENAI_BASE_URL", server.base_url)
        yield server


__all__ = ["StandIn"]
