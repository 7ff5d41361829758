"""Governance benchmarks: what the send-path guard, Cedar and the audit chain cost.

Each is timed beside a baseline in the same run:
- the guard screening 20,000 recipients (every rule, in-memory facts) against the same send
  handed straight to the channel;
- a Cedar access decision against a hand-written match of the same rules;
- appending to the hash-chained audit log against inserting the same rows unchained, and
  verifying the whole chain;
- masking one decision's input (the strings a decider shows a model) with an index of a
  50,000-contact store's personal values against the pattern rules alone, and against a
  regular expression per known value (on 100 contacts only: it grows with the store).
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
    KnownValues,
    Masker,
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
CONTACTS = 50_000
REGEX_CONTACTS = 100
MASKED_DECISIONS = 100


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


_SYLLABLES = (
    "ba", "be", "bo", "da", "de", "di", "fa", "fe", "ga", "go", "ka", "ke", "ki", "la", "le",
    "lo", "ma", "me", "mi", "na", "ne", "no", "pa", "pe", "ra", "re", "ri", "ro", "sa", "se",
    "so", "ta", "te", "ti", "to", "va", "ve", "vi", "za", "ze", "lin", "mar", "son", "ber",
    "ton", "ley", "vel", "dor", "gan",
)  # fmt: skip


def _name(rng: np.random.Generator, parts: int) -> str:
    return "".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), parts)).title()


def _store_values(rng: np.random.Generator, contacts: int) -> dict[str, list[str]]:
    """Personal values of ``contacts`` made-up contacts, as the store would give them."""
    firsts = [_name(rng, 2) for _ in range(2_000)]
    return {
        "first_name": [firsts[int(i)] for i in rng.integers(0, len(firsts), contacts)],
        "last_name": [_name(rng, 3) for _ in range(contacts)],
        "phone": [
            f"({a}) {b}-{c:04d}"
            for a, b, c in zip(
                rng.integers(200, 999, contacts),
                rng.integers(200, 999, contacts),
                rng.integers(0, 9_999, contacts),
                strict=True,
            )
        ],
        "address_1": [f"{int(n)} {_name(rng, 2)} Street" for n in rng.integers(1, 999, contacts)],
    }


def _decision_strings(known: dict[str, list[str]]) -> list[str]:
    """About what a decider shows a model in a turn of a newsletter run: ~240 strings, ~7 KB,
    three of them with a contact's name in them."""
    purposes = [
        "Measure the newsletter's baseline human-open rate, its send pattern and when people open",
        "Find behavioural segments of the audience worth treating differently",
        "Write subject-line variants in English and French from explicit features",
        "Design this cycle's subject-line test: arms, holdout, power and allocation",
        "Choose each contact's send hour from when they open as people",
        "Check every planned send against consent and suppressions, veto what the rules forbid",
        "Report what the cycle's send did on human opens, arm by arm, against the holdout",
    ]
    strings = [
        "next",
        "Increase the open rate (human opens) of 'newsletter' on email by 20% relative to its "
        "baseline (baseline: last 56 days).",
    ]
    for i, purpose in enumerate(purposes):
        strings += [f"agent{i}", purpose, "baseline", "segments", "copy.candidates"]
    for i in range(60):
        strings += [
            f"Northwind: this week's selection, part {i}",
            f"Dernière chance : notre sélection {i}",
            f"step {i} (copywriter): generate_subjects",
        ]
    for i in range(12):
        strings += [
            f"agent{i % 7}",
            f"agent{i % 7} acts once in every cycle and has not yet in cycle {i}",
            "long inactive, low open rate, rarely engaged",
        ]
    first, last = known["first_name"][7], known["last_name"][7]
    strings += [
        f"{last} asked to be called back about the March offer",
        f"Form answer from {first} {last}: please send fewer emails",
        f"Complaint forwarded by {known['last_name'][11]}; will review in May",
    ]
    return strings


def _masking_benchmark() -> dict[str, object]:
    rng = np.random.default_rng(11)
    known = _store_values(rng, CONTACTS)
    strings = _decision_strings(known)
    started = time.perf_counter()
    index = KnownValues.build(known)
    build_s = time.perf_counter() - started

    def decisions(make: Callable[[], Masker]) -> None:
        for _ in range(MASKED_DECISIONS):
            masker = make()  # a fresh masker per decision, as the decider makes one per exchange
            for text in strings:
                masker.mask(text)

    def scans() -> None:
        for _ in range(MASKED_DECISIONS):
            for text in strings:
                index.spans(text)

    # Alternated, best of five: a busy machine slows single rounds of either, not the best.
    with_index: list[float] = []
    patterns: list[float] = []
    for _ in range(5):
        with_index.append(_median(lambda: decisions(lambda: Masker(index=index)), repeats=1))
        patterns.append(_median(lambda: decisions(Masker), repeats=1))
    with_index_s, patterns_s = min(with_index), min(patterns)
    scan_s = min(_median(scans, repeats=1) for _ in range(5))
    masked = [Masker(index=index).mask(text) for text in strings]
    leaked = [text for text in masked if known["last_name"][7] in text]
    small = {field: values[:REGEX_CONTACTS] for field, values in known.items()}
    started = time.perf_counter()
    per_value = Masker()
    for text in strings:
        per_value.mask(text, small)
    regex_s = time.perf_counter() - started
    return {
        "contacts": CONTACTS,
        "index_entries": len(index),
        "index_build_s": round(build_s, 3),
        "decision_strings": len(strings),
        "decision_chars": sum(len(text) for text in strings),
        "with_index_ms_per_decision": round(with_index_s / MASKED_DECISIONS * 1000, 3),
        "patterns_only_ms_per_decision": round(patterns_s / MASKED_DECISIONS * 1000, 3),
        "index_overhead_ms_per_decision": round(
            (with_index_s - patterns_s) / MASKED_DECISIONS * 1000, 3
        ),
        "index_scan_alone_ms_per_decision": round(scan_s / MASKED_DECISIONS * 1000, 3),
        "regex_per_value_contacts": REGEX_CONTACTS,
        "regex_per_value_ms_per_decision": round(regex_s * 1000, 1),
        "names_left_unmasked": len(leaked),
    }


def run() -> dict[str, object]:
    return {
        "guard_20k": _guard_benchmark(),
        "cedar_access": _cedar_benchmark(),
        "audit_chain": _audit_benchmark(),
        "masking_50k": _masking_benchmark(),
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
