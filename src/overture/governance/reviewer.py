"""The policy reviewer: allows, denies or gates every side effect an agent proposes.

Registered as the ``policy`` reviewer, it is called by the conductor on every proposed action
before any outbox row exists. In order: Cedar decides whether this agent may call this tool
for this objective's metric; then the action's own facts are checked against the policy
(audience, spend, blocked words and claims in the copy); then the approval gates (audience
or spend over a threshold, price or health claims, the first send to a segment). A gate
opens a row in ``governance_approvals`` for ``overture approvals`` to list, with its deadline
on the run's clock and, for people, in wall time (``answer_by``). In a run on simulated time, a
policy whose ``[approvals] rehearsal`` is ``approve`` or ``reject`` answers the gate at once by
code instead, recorded and audited as the rehearsal's answer. Every review is audited.

What the reviewer reads in an action's input (any tool): ``audience`` (a count) or
``recipients`` (a list), ``segment``, ``spend_usd``, and the copy under ``subject``,
``subjects``, ``preheader``, ``content``, ``body`` or ``copy`` (also inside recipients).

Reviews must be deterministic (a DBOS step, replayed): the verdict depends only on the
policy, the action, the objective, the run's clock and the outbox of earlier runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from overture.agents.base import Environment
from overture.agents.review import ApprovalAnswer, Review, ReviewVerdict
from overture.clock import Clock, VirtualClock, WallClock
from overture.governance.approvals import Approval, ApprovalBook
from overture.governance.audit import AuditLog
from overture.governance.authorization import Authorizer
from overture.governance.guard import find_terms
from overture.governance.policy import Policy, policy_for_workspace
from overture.governance.tables import governance_engine
from overture.objective import Objective
from overture.workspace import Workspace

__all__ = [
    "COPY_KEYS",
    "RUNS_URL_SETTING",
    "ActionFacts",
    "PolicyReviewer",
    "action_facts",
    "approval_id_for",
    "policy_reviewer",
]

COPY_KEYS = frozenset({"subject", "subjects", "preheader", "content", "body", "copy"})
RUNS_URL_SETTING = "governance.runs_url"
"""Environment setting: the runs database URL when it is not the workspace's SQLite file."""


@dataclass(frozen=True)
class ActionFacts:
    """What the policy can judge in one action's input."""

    audience: int = 0
    segment: str = ""
    spend_usd: float = 0.0
    copy: tuple[str, ...] = ()


def action_facts(payload: JsonValue) -> ActionFacts:
    """Read an action's input the way the reviewer does (see the module docstring)."""
    copy = tuple(_copy_texts(payload))
    if not isinstance(payload, dict):
        return ActionFacts(copy=copy)
    audience, recipients = payload.get("audience"), payload.get("recipients")
    segment, spend = payload.get("segment"), payload.get("spend_usd")
    return ActionFacts(
        audience=audience
        if isinstance(audience, int) and not isinstance(audience, bool)
        else len(recipients)
        if isinstance(recipients, list)
        else 0,
        segment=segment if isinstance(segment, str) else "",
        spend_usd=float(spend)
        if isinstance(spend, int | float) and not isinstance(spend, bool)
        else 0.0,
        copy=copy,
    )


def _copy_texts(value: JsonValue, under_copy: bool = False) -> Iterator[str]:
    if isinstance(value, str):
        if under_copy:
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _copy_texts(item, under_copy)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _copy_texts(item, under_copy or key in COPY_KEYS)


def approval_id_for(run_id: str, step: int, tool: str, payload: JsonValue) -> str:
    """A gate's id: the same action in the same run and step always gets the same one."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:8]
    return f"{run_id}-{step}-{tool}-{digest}"


class PolicyReviewer:
    """The :class:`~overture.agents.ActionReviewer` that enforces a policy."""

    def __init__(
        self,
        policy: Policy,
        engine: sa.Engine,
        clock: Clock,
        *,
        wall_clock: Clock | None = None,
    ) -> None:
        self.policy = policy
        self.engine = engine
        self.clock = clock
        self.wall_clock = wall_clock or WallClock()
        self.authorizer = Authorizer(policy)
        self.audit = AuditLog(engine)
        self.approvals = ApprovalBook(engine, self.audit)

    def review(
        self,
        *,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        input: JsonValue,
        objective: Objective,
    ) -> Review:
        facts = action_facts(input)
        review = self._decide(run_id, step, agent, tool, input, objective, facts)
        access_rule = self.authorizer.decide(agent, tool, objective.metric.value).rule
        evidence: dict[str, JsonValue] = {
            "tool": tool,
            "access": access_rule,
            "metric": objective.metric.value,
            "verdict": review.verdict.value,
            "reason": review.reason,
            "audience": facts.audience,
            "segment": facts.segment,
            "spend_usd": facts.spend_usd,
            "policy": self.policy.source or "default",
        }
        digest = approval_id_for(run_id, step, tool, input)
        self.audit.append(
            actor=f"agent:{agent}",
            action=f"propose:{tool}",
            at=self.clock.now(),
            run_id=run_id,
            approval_id=review.approval_id or "",
            rule=review.rule or "",
            evidence=evidence,
            key=f"review:{digest}",
        )
        return review

    def _decide(
        self,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        payload: JsonValue,
        objective: Objective,
        facts: ActionFacts,
    ) -> Review:
        access = self.authorizer.decide(agent, tool, objective.metric.value)
        if not access.allowed:
            return Review(verdict=ReviewVerdict.DENY, reason=access.reason, rule=access.rule)
        policy = self.policy
        if facts.audience > policy.sends.max_audience:
            return _deny(
                f"audience of {facts.audience} exceeds the maximum of {policy.sends.max_audience}",
                "sends.max_audience",
            )
        blocked = find_terms(facts.copy, policy.copy_rules.blocked)
        if blocked:
            return _deny(f"the copy contains blocked terms: {', '.join(blocked)}", "copy.blocked")
        cap = policy.spend.max_per_action_usd
        if cap is not None and facts.spend_usd > cap:
            return _deny(
                f"spend of ${facts.spend_usd:,.2f} exceeds the cap of ${cap:,.2f}",
                "spend.max_per_action_usd",
            )
        gates = self._gates(facts)
        if not gates:
            # An allowance names no rule in the run's log (the audit entry keeps it).
            return Review(verdict=ReviewVerdict.ALLOW)
        approval_id = approval_id_for(run_id, step, tool, payload)
        existing = self.approvals.get(approval_id)
        requested = existing.requested_at if existing else self.clock.now()
        deadline = requested + timedelta(hours=policy.approvals.wait_hours)
        reason = "; ".join(reason for reason, _ in gates)
        rules = tuple(rule for _, rule in gates)
        gate = self.approvals.open(
            approval_id=approval_id,
            run_id=run_id,
            step=step,
            agent=agent,
            tool=tool,
            reason=reason,
            rules=rules,
            evidence={
                "audience": facts.audience,
                "segment": facts.segment,
                "spend_usd": facts.spend_usd,
                "copy": list(facts.copy[:5]),
            },
            requested_at=requested,
            deadline=deadline,
            opened_at_wall=self.wall_clock.now(),
        )
        return Review(
            verdict=ReviewVerdict.APPROVAL,
            reason=reason,
            rule=", ".join(rules),
            approval_id=approval_id,
            deadline=deadline,
            answer_by=gate.answer_by,
            answer=self._rehearsal_answer(gate),
        )

    def _rehearsal_answer(self, gate: Approval) -> ApprovalAnswer | None:
        """The answer a rehearsal's policy gives at once, or None: a person answers. Only a
        run on simulated time rehearses; a live run always waits for a person."""
        mode = self.policy.approvals.rehearsal
        if mode == "wait" or not isinstance(self.clock, VirtualClock):
            return None
        note = f'(approvals.rehearsal = "{mode}"; a simulated run, nobody was asked)'
        decided = self.approvals.rehearse(
            gate.approval_id, approved=mode == "approve", note=note, at=self.clock.now()
        )
        return ApprovalAnswer(
            approved=decided.status == "approved", note=decided.note, decided_by=decided.decided_by
        )

    def _gates(self, facts: ActionFacts) -> list[tuple[str, str]]:
        gates = self.policy.approvals
        found: list[tuple[str, str]] = []
        if gates.audience_over is not None and facts.audience > gates.audience_over:
            found.append(
                (
                    f"audience of {facts.audience} is over {gates.audience_over}",
                    "approvals.audience_over",
                )
            )
        if gates.spend_over_usd is not None and facts.spend_usd > gates.spend_over_usd:
            found.append(
                (
                    f"spend of ${facts.spend_usd:,.2f} is over ${gates.spend_over_usd:,.2f}",
                    "approvals.spend_over_usd",
                )
            )
        rules = self.policy.copy_rules
        price = find_terms(facts.copy, rules.price_terms) if gates.price_claims else ()
        if price:
            found.append(
                (f"the copy mentions a price ({', '.join(price)})", "approvals.price_claims")
            )
        health = find_terms(facts.copy, rules.health_terms) if gates.health_claims else ()
        if health:
            found.append(
                (f"the copy makes a health claim ({', '.join(health)})", "approvals.health_claims")
            )
        if gates.new_segment and facts.segment and not self._sent_before(facts.segment):
            found.append((f"first send to the segment '{facts.segment}'", "approvals.new_segment"))
        return found

    def _sent_before(self, segment: str) -> bool:
        """Whether any completed action in the outbox targeted ``segment``."""
        outbox = sa.table("overture_outbox", sa.column("input"), sa.column("done_at"))
        with Session(self.engine) as session:
            try:
                rows = session.execute(
                    sa.select(outbox.c.input).where(outbox.c.done_at.is_not(None))
                ).all()
            except OperationalError:  # no run store yet: nothing was ever sent
                return False
        for (raw,) in rows:
            try:
                payload = json.loads(str(raw))
            except ValueError:
                continue
            if isinstance(payload, dict) and payload.get("segment") == segment:
                return True
        return False


def _deny(reason: str, rule: str) -> Review:
    return Review(verdict=ReviewVerdict.DENY, reason=reason, rule=rule)


def policy_reviewer(environment: Environment) -> PolicyReviewer:
    """The registry's factory: the workspace's policy, audit and gates for one run."""
    settings = dict(environment.settings)
    policy = policy_for_workspace(environment.workspace, settings)
    url = settings.get(RUNS_URL_SETTING) or Workspace(environment.workspace).runs_url
    environment.workspace.mkdir(parents=True, exist_ok=True)
    return PolicyReviewer(policy, governance_engine(url), environment.clock)
