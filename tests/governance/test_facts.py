"""Facts from the customer store feed the same rules as facts held in memory."""

from __future__ import annotations

from datetime import timedelta

from governance_support import NOW, RecordingChannel, planned, recipient, sending_policy

from overture.data import CustomerStore
from overture.governance import GuardedChannel, StoreFacts
from overture.governance.facts import Basis
from overture.ids import ContactId


def _store() -> CustomerStore:
    store = CustomerStore()
    for cid, country, region, zone in [
        ("ana", "CA", "QC", "America/Montreal"),
        ("bo", "FR", "", "Europe/Paris"),
        ("cy", "US", "NY", None),
    ]:
        store.execute(
            "INSERT INTO contacts (source, contact_id, country, region, time_zone, created_at, "
            "import_id) VALUES ('primary', ?, ?, ?, ?, ?, 'i1')",
            [cid, country, region, zone, NOW - timedelta(days=400)],
        )
    for cid, basis, status, days, proof in [
        ("ana", "express_consent", "given", 100, "form-1"),
        ("bo", "express_consent", "given", 100, "form-2"),
        ("bo", "express_consent", "withdrawn", 2, None),
        ("cy", "telepathy", "given", 100, None),
    ]:
        store.execute(
            "INSERT INTO consents VALUES ('primary', ?, 'email', 'newsletter', ?, ?, ?, NULL, ?, "
            "'i1')",
            [cid, basis, status, NOW - timedelta(days=days), proof],
        )
    for cid, kind, event_type, days, bounce in [
        ("ana", "purchase", "purchase", 30, None),
        ("ana", "web", "form_submit", 20, None),
        ("ana", "email", "sent", 1, None),
        ("ana", "email", "bounced", 5, "soft"),
        ("bo", "email", "bounced", 5, "hard"),
        ("bo", "email", "unsubscribed", 3, None),
        ("bo", "email", "complained", 3, None),
        ("bo", "email", "opened", 3, None),
        ("bo", "sms", "sent", 3, None),
    ]:
        store.execute(
            "INSERT INTO events (source, kind, event_id, event_type, contact_id, occurred_at, "
            "bounce_type, import_id) VALUES ('primary', ?, ?, ?, ?, ?, ?, 'i1')",
            [
                kind,
                f"{cid}-{event_type}-{days}",
                event_type,
                cid,
                NOW - timedelta(days=days),
                bounce,
            ],
        )
    return store


def test_facts_are_read_from_the_store() -> None:
    with _store() as store:
        facts = StoreFacts(store, suppressed=[ContactId("cy")]).facts(
            [ContactId("ana"), ContactId("bo"), ContactId("cy"), ContactId("zed")], "email"
        )
    assert set(facts) == {"ana", "bo", "cy"}
    ana, bo, cy = facts[ContactId("ana")], facts[ContactId("bo")], facts[ContactId("cy")]
    assert (ana.country, ana.region, ana.time_zone) == ("CA", "QC", "America/Montreal")
    assert ana.consents[0].basis is Basis.EXPRESS_CONSENT and ana.consents[0].proof == "form-1"
    assert ana.purchases == (NOW - timedelta(days=30),)
    assert ana.inquiries == (NOW - timedelta(days=20),)
    assert ana.sends == (NOW - timedelta(days=1),)
    assert ana.hard_bounces == ()  # a soft bounce is not a reason to stop
    assert sorted(c.given for c in bo.consents) == [False, True]
    assert bo.hard_bounces and bo.opt_outs and bo.complaints
    assert bo.sends == ()  # the sms send is another channel
    assert cy.consents == () and cy.suppressed and cy.time_zone == ""
    assert StoreFacts(store=_store()).facts([], "email") == {}


def test_the_guard_works_against_the_store() -> None:
    with _store() as store:
        inner = RecordingChannel()
        guard = GuardedChannel(inner, StoreFacts(store), sending_policy())
        receipt = guard.send(planned([recipient("ana"), recipient("bo"), recipient("cy")]))
    assert [r.contact_id for r in inner.recipients] == ["ana"]
    rules = {str(r.contact_id): r.rule.split(" ")[0] for r in receipt.removed}
    assert rules == {"bo": "complaint", "cy": "no-basis"}
