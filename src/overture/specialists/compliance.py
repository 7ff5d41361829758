"""Compliance: checks every planned send and vetoes what the rules forbid, then sends.

Before anything goes out, each contact needs a recorded, current consent for email newsletters
(withdrawn or expired consent removes them), and nobody who unsubscribed, complained or hard
bounced is mailed again. Removals are counted by rule and kept in the event log. What is left
becomes the cycle's plan: the holdout (one bucket per person, fixed for the run) gets the usual
newsletter at the usual time; the practice group (the next buckets) gets what an email service
offers out of the box, the A/B-then-winner practice, at the usual time; everyone else gets an
arm of the experiment, in their language, at their scheduled local hour.
The send itself is a side-effecting tool: the conductor runs it through the outbox with an
idempotency key.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
from pydantic import AwareDatetime, BaseModel, JsonValue

from overture.agents import (
    Action,
    AgentResult,
    AgentSpec,
    Brief,
    Environment,
    Tool,
    ToolContext,
)
from overture.channels import Channel, PlannedSend, Recipient
from overture.exceptions import UsageError
from overture.ids import CampaignId, ContactId, IdempotencyKey
from overture.records import Fact
from overture.specialists._facts import as_dict
from overture.specialists.base import Specialist
from overture.specialists.context import NewsletterContext, assign_buckets, bucket_of
from overture.specialists.feed import record_sends

__all__ = [
    "CONTROL",
    "PRACTICE_ARMS",
    "Compliance",
    "PlanRequest",
    "SendRequest",
    "arm_group",
    "campaign_id",
    "planned_send",
    "replay_send",
]

CONTROL = "control"
PRACTICE_ARMS = ("practice-a", "practice-b")
"""The practice group's two lines: tested 50/50 in the first cycle, the winner after."""
RESULTS_MATURE = timedelta(hours=72)
RULES: tuple[str, ...] = (
    "no_consent",
    "consent_withdrawn",
    "consent_expired",
    "unsubscribed",
    "complained",
    "hard_bounce",
)


def campaign_id(run_id: str, cycle: int) -> str:
    return f"{run_id}-c{cycle}"


def arm_group(arm: str) -> str:
    """``holdout``, ``practice`` or ``treated``: who an arm's recipients are compared as."""
    if arm == CONTROL:
        return "holdout"
    return "practice" if arm in PRACTICE_ARMS else "treated"


class PlanRequest(BaseModel):
    run_id: str
    cycle: int
    send_day: date
    control_minute_utc: int
    holdout_share: float
    shares: dict[str, dict[str, float]]
    lines: dict[str, dict[str, str]]
    practice_share: float = 0.0
    practice_shares: dict[str, float] = {}
    """The practice group's split between :data:`PRACTICE_ARMS` (a line's text is in ``lines``)."""


class PlanSummary(BaseModel):
    eligible: int
    removed: dict[str, int]
    by_arm: dict[str, int]
    first_send_at: AwareDatetime | None
    last_send_at: AwareDatetime | None


class SendRequest(BaseModel):
    run_id: str
    cycle: int
    audience: int = 0
    """How many contacts the plan mails: what governance's reviewer judges the send by."""
    subjects: list[str] = []
    """Every subject line in the plan, for the reviewer's copy rules."""


class SendReceipt(BaseModel):
    accepted: int
    duplicate: bool
    recipients: int
    campaign_id: str
    removed: dict[str, int] = {}
    """Recipients the send-path guard took out, by rule (they were not sent)."""


class Compliance(Specialist):
    name = "compliance"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.check = Tool(
            "check_and_plan",
            "Remove contacts the rules forbid and plan everyone else's send.",
            PlanRequest,
            PlanSummary,
            self._check_and_plan,
        )
        self.send = Tool(
            "send_newsletter",
            "Hand the cycle's planned send to the email service (idempotent).",
            SendRequest,
            SendReceipt,
            self._send,
            side_effect=True,
        )
        self.spec = AgentSpec(
            name=self.name,
            purpose="Check every planned send against consent and suppressions, veto what the "
            "rules forbid, and send the rest",
            needs=frozenset({"experiment.design", "schedule", "send_pattern"}),
            provides=frozenset({"send.planned"}),
            tools=(self.check, self.send),
            per_cycle=True,
        )

    # -- tools ---------------------------------------------------------------------------------

    def _check_and_plan(self, request: PlanRequest, context: ToolContext) -> PlanSummary:
        store, source = self.newsletter.store, self.newsletter.source
        self.newsletter.ensure_tables()
        assign_buckets(self.newsletter, request.run_id)
        rows = store.rows(
            """WITH consent AS (
                SELECT contact_id, arg_max(status, recorded_at) AS status,
                       arg_max(expires_at, recorded_at) AS expires_at
                FROM consents WHERE source = ? AND channel = 'email'
                  AND purpose IN ('newsletter', 'marketing') GROUP BY contact_id),
            gone AS (
                SELECT contact_id,
                       bool_or(event_type = 'unsubscribed') AS unsubscribed,
                       bool_or(event_type = 'complained') AS complained,
                       bool_or(event_type = 'bounced' AND bounce_type = 'hard') AS hard_bounce
                FROM events WHERE source = ? AND kind = 'email'
                  AND event_type IN ('unsubscribed', 'complained', 'bounced') GROUP BY contact_id)
            SELECT c.contact_id, c.email, coalesce(c.locale, 'en'),
                   coalesce(c.time_zone, 'UTC'), b.bucket, coalesce(pc.cluster, -1),
                   s.local_hour,
                   CASE WHEN k.status IS NULL THEN 'no_consent'
                        WHEN k.status <> 'given' THEN 'consent_withdrawn'
                        WHEN k.expires_at IS NOT NULL AND k.expires_at < ? THEN 'consent_expired'
                        WHEN g.unsubscribed THEN 'unsubscribed'
                        WHEN g.complained THEN 'complained'
                        WHEN g.hard_bounce THEN 'hard_bounce' END AS blocked,
                   timezone(coalesce(c.time_zone, 'UTC'),
                            (?::DATE + to_hours(coalesce(s.local_hour, 10)::BIGINT))::TIMESTAMP)
            FROM contacts c
            LEFT JOIN consent k USING (contact_id)
            LEFT JOIN gone g USING (contact_id)
            LEFT JOIN identities i ON i.source = c.source AND i.contact_id = c.contact_id
            LEFT JOIN nl_buckets b ON b.run_id = ? AND b.profile_id = i.profile_id
            LEFT JOIN profile_clusters pc ON pc.profile_id = i.profile_id
            LEFT JOIN nl_schedule s ON s.run_id = ? AND s.cycle = ? AND s.contact_id = c.contact_id
            WHERE c.source = ? AND c.email IS NOT NULL ORDER BY c.contact_id""",
            [
                source,
                source,
                context.now,
                request.send_day,
                request.run_id,
                request.run_id,
                request.cycle,
                source,
            ],
        )
        control_at = datetime.combine(request.send_day, datetime.min.time(), context.now.tzinfo)
        control_at += timedelta(minutes=request.control_minute_utc)
        control_lines = self._control_lines()
        removed = dict.fromkeys(RULES, 0)
        plan: dict[str, list[object]] = {
            k: [] for k in ("contact_id", "email", "arm", "subject", "send_at")
        }
        by_arm: dict[str, int] = {}
        salt = f"{request.run_id}-arms-{request.cycle}"
        for contact, email, locale, _tz, bucket, cluster, _hour, blocked, local_at in rows:
            if blocked is not None:
                removed[str(blocked)] += 1
                continue
            person = (
                float(str(bucket))
                if bucket is not None
                else bucket_of(str(contact), request.run_id)
            )
            language = "fr" if str(locale).startswith("fr") else "en"
            if person < request.holdout_share:
                arm, subject, at = CONTROL, control_lines[language], control_at
            elif (
                request.practice_shares and person < request.holdout_share + request.practice_share
            ):
                arm = _pick(request.practice_shares, bucket_of(str(contact), salt))
                subject, at = request.lines[arm][language], control_at
            else:
                shares = request.shares.get(f"s{cluster}") or next(iter(request.shares.values()))
                arm = _pick(shares, bucket_of(str(contact), salt))
                subject = request.lines[arm][language]
                at = local_at if isinstance(local_at, datetime) else control_at
            by_arm[arm] = by_arm.get(arm, 0) + 1
            for key, value in (
                ("contact_id", contact),
                ("email", email),
                ("arm", arm),
                ("subject", subject),
                ("send_at", at),
            ):
                plan[key].append(value)
        self._store_plan(request.run_id, request.cycle, plan)
        times = [t for t in plan["send_at"] if isinstance(t, datetime)]
        return PlanSummary(
            eligible=len(plan["contact_id"]),
            removed={rule: n for rule, n in removed.items() if n},
            by_arm=dict(sorted(by_arm.items())),
            first_send_at=min(times) if times else None,
            last_send_at=max(times) if times else None,
        )

    def _control_lines(self) -> dict[str, str]:
        """The usual newsletter's line in each language: the latest one sent before the run."""
        store, source = self.newsletter.store, self.newsletter.source
        rows = store.rows(
            """SELECT coalesce(c.locale, 'en'), arg_max(s.subject, s.sent_at)
               FROM sends s JOIN contacts c USING (source, contact_id)
               WHERE s.source = ? AND (s.arm IS NULL OR s.arm = '') GROUP BY 1""",
            [source],
        )
        found = {
            ("fr" if str(loc).startswith("fr") else "en"): str(subject) for loc, subject in rows
        }
        fallback = found.get("en") or found.get("fr") or f"The {self.newsletter.brand} newsletter"
        return {"en": found.get("en", fallback), "fr": found.get("fr", fallback)}

    def _store_plan(self, run_id: str, cycle: int, plan: dict[str, list[object]]) -> None:
        store = self.newsletter.store
        size = len(plan["contact_id"])
        table = pa.table(
            {
                "run_id": pa.array([run_id] * size, pa.string()),
                "cycle": pa.array([cycle] * size, pa.int32()),
                "contact_id": pa.array(plan["contact_id"], pa.string()),
                "email": pa.array(plan["email"], pa.string()),
                "arm": pa.array(plan["arm"], pa.string()),
                "subject": pa.array(plan["subject"], pa.string()),
                "send_at": pa.array(plan["send_at"], pa.timestamp("us", tz="UTC")),
            }
        )
        store.connection.register("_nl_plan", table)
        try:
            with store.transaction():
                store.execute("DELETE FROM nl_plan WHERE run_id = ? AND cycle = ?", [run_id, cycle])
                store.execute("INSERT INTO nl_plan SELECT * FROM _nl_plan")
        finally:
            store.connection.unregister("_nl_plan")

    def _send(self, request: SendRequest, context: ToolContext) -> SendReceipt:
        channel = self.env.channel
        if channel is None:
            raise UsageError("this environment has no channel to send with", "run with --env sim")
        assert context.key is not None  # a side-effecting tool always gets one
        planned = planned_send(self.newsletter, request, context.key)
        receipt = channel.send(planned)
        removed = {r.contact_id for r in receipt.removed}
        if not receipt.duplicate:
            # Log only what the service took: the guard's removals were never sent.
            kept = tuple(r for r in planned.recipients if r.contact_id not in removed)
            sent = planned.model_copy(update={"recipients": kept})
            record_sends(
                self.newsletter.store, sent, self.newsletter.folder, self.newsletter.source
            )
        by_rule: dict[str, int] = {}
        for removal in receipt.removed:
            by_rule[removal.rule] = by_rule.get(removal.rule, 0) + 1
        return SendReceipt(
            accepted=receipt.accepted,
            duplicate=receipt.duplicate,
            recipients=len(planned.recipients),
            campaign_id=planned.campaign_id,
            removed=by_rule,
        )

    # -- the agent -----------------------------------------------------------------------------

    def act(self, brief: Brief) -> AgentResult:
        design = as_dict(brief.fact("experiment.design"))
        pattern = as_dict(brief.fact("send_pattern"))
        send_day = _next_weekday(brief.now.date(), int(str(pattern.get("weekday", 3))))
        request = PlanRequest(
            run_id=brief.run_id,
            cycle=brief.cycle,
            send_day=send_day,
            control_minute_utc=int(str(pattern.get("minute_of_day_utc", 600))),
            holdout_share=float(str(design.get("holdout_share", 0.1))),
            practice_share=float(str(design.get("practice_share", 0.0))),
            practice_shares={
                str(a): float(str(v)) for a, v in as_dict(design.get("practice_shares")).items()
            },
            shares={
                str(seg): {str(a): float(str(v)) for a, v in as_dict(s).items()}
                for seg, s in as_dict(design.get("shares")).items()
            },
            lines={
                str(arm): {str(k): str(v) for k, v in as_dict(line).items()}
                for arm, line in as_dict(design.get("lines")).items()
            },
        )
        summary = self.use(self.check, request, brief)
        campaign = campaign_id(brief.run_id, brief.cycle)
        value: dict[str, JsonValue] = {
            "campaign_id": campaign,
            "cycle": brief.cycle,
            "send_day": send_day.isoformat(),
            **summary.model_dump(mode="json"),
        }
        removed = ", ".join(f"{n} {rule.replace('_', ' ')}" for rule, n in summary.removed.items())
        last = summary.last_send_at or brief.now
        return AgentResult(
            output=value,
            facts=(Fact(key="send.planned", value=value, source="check_and_plan"),),
            actions=(
                Action(
                    tool="send_newsletter",
                    input=SendRequest(
                        run_id=brief.run_id,
                        cycle=brief.cycle,
                        audience=summary.eligible,
                        subjects=sorted(
                            {text for line in request.lines.values() for text in line.values()}
                        ),
                    ).model_dump(),
                ),
            )
            if summary.eligible
            else (),
            wait_until=last + RESULTS_MATURE,
            text=(
                f"{summary.eligible} contacts may be mailed on {send_day.isoformat()}; removed: "
                f"{removed or 'nobody'}. Arms: "
                + ", ".join(f"{arm} {n}" for arm, n in summary.by_arm.items())
                + "."
            ),
        )


def planned_send(context: NewsletterContext, request: SendRequest, key: str) -> PlannedSend:
    """The cycle's plan as the email service receives it."""
    rows = context.store.rows(
        "SELECT contact_id, email, send_at, subject, arm FROM nl_plan "
        "WHERE run_id = ? AND cycle = ? ORDER BY contact_id",
        [request.run_id, request.cycle],
    )
    return PlannedSend(
        key=IdempotencyKey(key),
        campaign_id=CampaignId(campaign_id(request.run_id, request.cycle)),
        recipients=tuple(
            Recipient(
                contact_id=ContactId(str(contact)),
                address=str(email),
                send_at=at if isinstance(at, datetime) else datetime.fromisoformat(str(at)),
                subject=str(subject),
                arm=str(arm),
            )
            for contact, email, at, subject, arm in rows
        ),
    )


def replay_send(context: NewsletterContext, channel: Channel, key: str, payload: JsonValue) -> None:
    """Hand an earlier send to a rebuilt channel again (recovery of a simulated world)."""
    channel.send(planned_send(context, SendRequest.model_validate(payload), key))


def _pick(shares: dict[str, float], u: float) -> str:
    total = 0.0
    arms = sorted(shares)
    for arm in arms:
        total += shares[arm]
        if u < total:
            return arm
    return arms[-1]


def _next_weekday(today: date, weekday: int) -> date:
    """The next day after ``today`` that falls on ``weekday`` (0 is Monday)."""
    ahead = (weekday - today.weekday() - 1) % 7 + 1
    return today + timedelta(days=ahead)
