"""Governance benchmarks: what the send-path guard, Cedar and the audit chain cost.

Each is timed beside a baseline in the same run:
- the guard screening 20,000 recipients (every rule, in-memory facts) against the same send
  handed straight to the channel;
- a Cedar access decision against a hand-written match of the same rules;
- appending to the hash-chained audit log against inserting the same rows unchained, and
  verifying the whole chain.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from overture.channels import ChannelEvent, PlannedSend, Receipt, Recipient
from overture.governance import (
    AuditLog,
    Authorizer,
    GuardedChannel,
    InMemoryFacts,
    Policy,
    default_policy,
    governance_engine,
)
from overture.governance.facts import Basis, ConsentRecord, ContactFacts
from overture.governance.policy import Access, AccessRule, Sender
from overture.ids import CampaignId, ContactId, IdempotencyKey

__all__ = ["run"]

_ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
RECIPIENTS = 20_000
DECISIONS = 20_000
AUDIT_ENTRIES = 2_000


class _Sink:
    name = "email"

    def send(self, planned: PlannedSend) -> Receipt:
        return Receipt(key=planned.key, accepted=len(planned.recipients))

    def events(self, since: datetime, until: datetime) -> Sequence[ChannelEvent]:
        return []


def _median(fn: Callable[[], object], repeats: int = 3) -> float:
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _world(rng: np.random.Generator) -> tuple[InMemoryFacts, PlannedSend]:
    zones = ["America/Toronto", "America/Montreal", "Europe/Paris", "America/New_York"]
    places = [("CA", "ON"), ("CA", "QC"), ("FR", ""), ("US", "NY")]
    contacts: list[ContactFacts] = []
    recipients: list[Recipient] = []
    for i in range(RECIPIENTS):
        country, region = places[i % 4]
        cid = ContactId(f"c{i}")
        records = (
            ConsentRecord(
                channel="email",
                purpose="newsletter",
                basis=Basis.EXPRESS_CONSENT,
                given=bool(rng.integers(10) > 0),
                recorded_at=NOW - timedelta(days=int(rng.integers(1, 700))),
                proof="form",
            ),
        )
        sends = tuple(NOW - timedelta(days=int(d)) for d in rng.integers(1, 30, size=2))
        contacts.append(ContactFacts(cid, country, region, zones[i % 4], records, sends=sends))
        at = NOW + timedelta(minutes=int(rng.integers(0, 24 * 60)))
        recipients.append(
            Recipient(contact_id=cid, address=f"{cid}@x.test", send_at=at, subject="Our March news")
        )
    planned = PlannedSend(
        key=IdempotencyKey("bench"),
        campaign_id=CampaignId("bench"),
        recipients=tuple(recipients),
        sender="news@x.test",
    )
    return InMemoryFacts.of(contacts), planned


def _guard_benchmark() -> dict[str, object]:
    facts, planned = _world(np.random.default_rng(7))
    policy = default_policy().model_copy(
        update={"sender": Sender(postal_address="1 Main St", unsubscribe_url="https://x.test")}
    )
    passed: list[int] = []

    def guarded() -> None:
        receipt = GuardedChannel(_Sink(), facts, policy).send(planned)
        passed.append(receipt.accepted)

    guard_s = _median(guarded)
    baseline_s = _median(lambda: _Sink().send(planned))
    return {
        "recipients": RECIPIENTS,
        "guard_s": round(guard_s, 4),
        "guard_recipients_per_s": round(RECIPIENTS / guard_s),
        "baseline_unguarded_s": round(baseline_s, 6),
        "passed": passed[-1],
        "removed": RECIPIENTS - passed[-1],
    }


def _cedar_benchmark() -> dict[str, object]:
    rules = tuple(
        AccessRule(agents=(f"agent{i}",), tools=(f"tool{i}", "send"), metrics=("human_open_rate",))
        for i in range(10)
    )
    deny = (AccessRule(tools=("export_contacts",)),)
    policy = Policy(access=Access(allow=rules, deny=deny))
    authorizer = Authorizer(policy)
    requests = [
        (f"agent{i % 12}", "send" if i % 3 else "export_contacts", "human_open_rate")
        for i in range(DECISIONS)
    ]

    def by_hand(agent: str, tool: str, metric: str) -> bool:
        def match(rule: AccessRule) -> bool:
            return all(
                "*" in names or value in names
                for names, value in (
                    (rule.agents, agent),
                    (rule.tools, tool),
                    (rule.metrics, metric),
                )
            )

        return any(match(r) for r in rules) and not any(match(r) for r in deny)

    cedar_s = _median(lambda: [authorizer.decide(*r) for r in requests])
    hand_s = _median(lambda: [by_hand(*r) for r in requests])
    agree = all(authorizer.decide(*r).allowed == by_hand(*r) for r in requests)
    return {
        "decisions": DECISIONS,
        "cedar_us_per_decision": round(cedar_s / DECISIONS * 1e6, 1),
        "hand_written_us_per_decision": round(hand_s / DECISIONS * 1e6, 2),
        "agree": agree,
    }


def _audit_benchmark() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        engine = governance_engine(f"sqlite:///{Path(folder) / 'runs.sqlite'}")
        log = AuditLog(engine)
        started = time.perf_counter()
        for i in range(AUDIT_ENTRIES):
            log.append(actor="agent:a", action="propose:send", at=NOW, evidence={"i": i})
        chained_s = time.perf_counter() - started
        plain = sa.Table(
            "plain", sa.MetaData(), sa.Column("i", sa.Integer), sa.Column("evidence", sa.Text)
        )
        plain.create(engine)
        started = time.perf_counter()
        for i in range(AUDIT_ENTRIES):
            with engine.begin() as connection:
                connection.execute(plain.insert().values(i=i, evidence=json.dumps({"i": i})))
        plain_s = time.perf_counter() - started
        started = time.perf_counter()
        report = log.verify()
        verify_s = time.perf_counter() - started
        engine.dispose()
    return {
        "entries": AUDIT_ENTRIES,
        "chained_append_ms": round(chained_s / AUDIT_ENTRIES * 1000, 3),
        "plain_insert_ms": round(plain_s / AUDIT_ENTRIES * 1000, 3),
        "verify_s": round(verify_s, 3),
        "intact": report.ok,
    }


def run() -> dict[str, object]:
    return {
        "guard_20k": _guard_benchmark(),
        "cedar_access": _cedar_benchmark(),
        "audit_chain": _audit_benchmark(),
    }


def _main() -> None:
    results = run()
    out = _ROOT / "bench" / "results" / "governance.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    _main()
