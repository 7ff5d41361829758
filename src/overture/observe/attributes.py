"""The one module of span attribute names: OpenTelemetry GenAI conventions and Overture's own.

The ``gen_ai.*`` names follow the GenAI semantic conventions (status "Development"). Their Python
constants in ``opentelemetry-semantic-conventions`` are deprecated since the conventions moved to
their own repository, so the strings are kept here, once, and nowhere else.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AGENT_NAME",
    "BRIEF_SIZE",
    "BRIEF_WITHHELD",
    "COST_USD",
    "ERROR",
    "EVIDENCE_TOOLS",
    "FACTS",
    "INPUT_TOKENS",
    "MEASURED_MET",
    "MEASURED_VALUE",
    "NEXT_AGENT",
    "OBJECTIVE",
    "OPERATION",
    "OP_CHAT",
    "OP_EXECUTE_TOOL",
    "OP_INVOKE_AGENT",
    "OUTCOME",
    "OUTCOME_SUMMARY",
    "OUTPUT_TOKENS",
    "PRICE_SOURCE",
    "PROVIDER",
    "QUESTION",
    "REASON",
    "REPLAYED",
    "REQUEST_MODEL",
    "RESPONSE_MODEL",
    "RUN_ID",
    "SENDS",
    "SPAN_KIND",
    "STEP_NAME",
    "TOOL_NAME",
    "UNPRICED",
]

# -- GenAI semantic conventions ----------------------------------------------------------------
OPERATION: Final = "gen_ai.operation.name"
PROVIDER: Final = "gen_ai.provider.name"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
AGENT_NAME: Final = "gen_ai.agent.name"
TOOL_NAME: Final = "gen_ai.tool.name"

OP_CHAT: Final = "chat"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_EXECUTE_TOOL: Final = "execute_tool"

# -- Overture's own ----------------------------------------------------------------------------
RUN_ID: Final = "overture.run.id"
OBJECTIVE: Final = "overture.objective"
OUTCOME: Final = "overture.outcome"
OUTCOME_SUMMARY: Final = "overture.outcome.summary"
SPAN_KIND: Final = "overture.span.kind"
"""``run``, ``step``, ``agent``, ``tool`` or ``model``: what the span stands for."""
STEP_NAME: Final = "overture.step.name"
REPLAYED: Final = "overture.step.replayed"
"""True when a durable step returned its recorded result after recovery instead of running."""
QUESTION: Final = "overture.decision.question"
NEXT_AGENT: Final = "overture.decision.next_agent"
REASON: Final = "overture.decision.reason"
BRIEF_SIZE: Final = "overture.brief.size_bytes"
BRIEF_WITHHELD: Final = "overture.brief.withheld_keys"
FACTS: Final = "overture.agent.facts"
EVIDENCE_TOOLS: Final = "overture.agent.evidence_tools"
ERROR: Final = "overture.error"
SENDS: Final = "overture.tool.sends"
COST_USD: Final = "overture.cost_usd"
UNPRICED: Final = "overture.cost.unpriced"
PRICE_SOURCE: Final = "overture.cost.source"
MEASURED_VALUE: Final = "overture.measured.value"
MEASURED_MET: Final = "overture.measured.met"
