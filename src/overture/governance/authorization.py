"""Which agent may call which tool for which objective: decided by Cedar, behind the TOML.

The policy file's ``[[access.allow]]`` and ``[[access.deny]]`` rules are compiled into Cedar
``permit`` and ``forbid`` statements and evaluated by ``cedarpy``, where a matching ``forbid``
overrides every ``permit`` and nothing is allowed unless some rule permits it. Names were
checked against a strict alphabet when the policy was read, so they cannot inject Cedar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import cedarpy

from overture.governance.policy import AccessRule, Policy

__all__ = ["AccessDecision", "Authorizer", "compile_access"]


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    rule: str
    """The policy rule that decided (``access.deny[0]``, ``access.allow[1]``) or ``access``
    when no rule allowed the call."""
    reason: str


def _condition(rule: AccessRule) -> str:
    parts: list[str] = []
    for values, expression in (
        (rule.agents, "principal"),
        (rule.tools, "resource"),
        (rule.metrics, "context.metric"),
    ):
        if "*" in values:
            continue
        if expression == "context.metric":
            items = ", ".join(json.dumps(v) for v in values)
        else:
            kind = "Agent" if expression == "principal" else "Tool"
            items = ", ".join(f"{kind}::{json.dumps(v)}" for v in values)
        parts.append(f"[{items}].contains({expression})")
    return f" when {{ {' && '.join(parts)} }}" if parts else ""


def compile_access(policy: Policy) -> tuple[str, tuple[str, ...]]:
    """The Cedar text of the policy's access rules, and each statement's rule name in order."""
    statements: list[str] = []
    names: list[str] = []
    for effect, kind, rules in (
        ("forbid", "deny", policy.access.deny),
        ("permit", "allow", policy.access.allow),
    ):
        for index, rule in enumerate(rules):
            statements.append(
                f'{effect}(principal, action == Action::"call", resource){_condition(rule)};'
            )
            names.append(f"access.{kind}[{index}]")
    return "\n".join(statements), tuple(names)


class Authorizer:
    """Decides agent-tool-metric calls under one policy (the Cedar policy set parsed once)."""

    def __init__(self, policy: Policy) -> None:
        text, names = compile_access(policy)
        self._names = names
        self._reasons = {
            f"access.{k}[{i}]": r.reason
            for k, rules in (("deny", policy.access.deny), ("allow", policy.access.allow))
            for i, r in enumerate(rules)
        }
        self._policies = cedarpy.PolicySet.from_str(text) if text else None
        self._entities = cedarpy.Entities.from_json_str("[]")

    def decide(self, agent: str, tool: str, metric: str) -> AccessDecision:
        if self._policies is None:
            return AccessDecision(False, "access", "the policy allows no agent any tool")
        request = {
            "principal": f"Agent::{json.dumps(agent)}",
            "action": 'Action::"call"',
            "resource": f"Tool::{json.dumps(tool)}",
            "context": {"metric": metric},
        }
        result = cedarpy.is_authorized(request, self._policies, self._entities)
        decided = [self._name(reason) for reason in result.diagnostics.reasons]
        if result.allowed:
            rule = decided[0] if decided else "access"
            return AccessDecision(True, rule, f"{rule} allows '{agent}' to call '{tool}'")
        denied = [name for name in decided if name.startswith("access.deny")]
        if denied:
            why = self._reasons.get(denied[0]) or "denied by the policy"
            return AccessDecision(False, denied[0], f"'{agent}' may not call '{tool}': {why}")
        return AccessDecision(
            False,
            "access",
            f"no access rule allows '{agent}' to call '{tool}' for a {metric} objective",
        )

    def _name(self, cedar_id: str) -> str:
        # cedarpy names statements policy0, policy1, ... in the order of the text.
        index = int(cedar_id.removeprefix("policy")) if cedar_id.startswith("policy") else -1
        return self._names[index] if 0 <= index < len(self._names) else cedar_id
