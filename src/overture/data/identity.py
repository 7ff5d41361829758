"""Identity resolution: which contact records are one person, and why.

Two stages. Deterministic rules first: the same normalized email (role addresses such as
``info@`` excepted, since several people share them) or the same E.164 phone. Then
probabilistic matching with Splink on DuckDB over names, birth date, address and ids, for
records the rules could not join. Records linked by either stage form one profile
(connected components); every link is kept in ``merges`` with the rule, the fields that
matched and, for Splink links, the match weight and probability.

Resolution is recomputed from the records each time, so running it twice gives the same
profiles, and profile ids are derived from their records (stable across runs).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from overture.data import sql
from overture.data.quality import ROLE_LOCAL_PARTS
from overture.data.store import CustomerStore, StoreError
from overture.ids import ProfileId

__all__ = [
    "Merge",
    "ResolutionSummary",
    "explain_profile",
    "profile_of",
    "resolve_identities",
]

_log = logging.getLogger("overture.data")

# Splink comparison for each optional field, by kind of value.
_NAME_FIELDS = ("first_name", "last_name")
_EDIT_FIELDS = ("birth_date", "postcode", "national_id")
_TEXT_FIELDS = ("address_1", "city")
# Addresses and numbers that differ by one character are different people's
# (anna.lee1@ and anna.lee2@): compare them exactly.
_EXACT_FIELDS = ("street_number", "email", "phone")
_PERSONAL_FIELDS = (*_EDIT_FIELDS, *_TEXT_FIELDS, "street_number")
_MIN_PERSONAL = 2
_MIN_FILLED = 0.05
_BLOCKS = (
    ("first_name", "last_name"),
    ("last_name", "birth_date"),
    ("first_name", "birth_date"),
    ("birth_date", "postcode"),
    ("last_name", "postcode"),
    ("first_name", "postcode"),
    ("street_number", "address_1"),
    ("national_id",),
    ("email",),
    ("phone",),
)


@dataclass(frozen=True)
class ResolutionSummary:
    """What a resolution did."""

    records: int
    """Contact records considered (CRM contacts and event-only contacts)."""
    profiles: int
    deterministic_links: int
    probabilistic_links: int
    splink_fields: tuple[str, ...]
    """The fields Splink compared; empty when too few were filled to match on."""
    threshold: float


@dataclass(frozen=True)
class Merge:
    """One link between two records of a profile, and why it was made."""

    profile_id: ProfileId
    left: tuple[str, str]
    """(source, contact_id)."""
    right: tuple[str, str]
    rule: str
    """``same email``, ``same phone`` or ``splink``."""
    matched_fields: str
    match_weight: float | None
    match_probability: float | None


def resolve_identities(
    store: CustomerStore,
    *,
    threshold: float = 0.9,
    max_pairs: float = 2e6,
    rng: np.random.Generator | None = None,
) -> ResolutionSummary:
    """Rebuild profiles, identities and merges from every contact record, in one transaction.

    ``threshold`` is the Splink match probability above which two records are linked;
    ``max_pairs`` the random pairs used to estimate how often fields agree by chance;
    ``rng`` draws that sample (a fixed seed when not given, so resolution is repeatable).
    """
    records = _load_records(store)
    work = duckdb.connect()
    try:
        work.register("_records_in", records)
        uid = [str(row[0]) for row in work.execute("SELECT unique_id FROM _records_in").fetchall()]
        seed = int((rng or np.random.default_rng(0)).integers(2**31 - 1))
        fields, prob = _splink_links(work, threshold, max_pairs, seed)
    finally:
        work.close()
    n = len(uid)
    index = {u: i for i, u in enumerate(uid)}
    det = _deterministic_links(store)
    left = [index[a] for a, _, _, _, _, _ in det] + [index[a] for a, _, _, _, _, _ in prob]
    right = [index[b] for _, b, _, _, _, _ in det] + [index[b] for _, b, _, _, _, _ in prob]
    profile_of_record = _components(n, left, right, uid)
    with store.transaction():
        for table in ("merges", "identities", "profiles"):
            store.execute(f"DELETE FROM {table}")
        ids = pa.table(
            {
                "unique_id": pa.array(uid, pa.string()),
                "profile_id": pa.array(profile_of_record, pa.string()),
            }
        )
        links = pa.table(
            {
                "l": pa.array([x[0] for x in det + prob], pa.string()),
                "r": pa.array([x[1] for x in det + prob], pa.string()),
                "rule": pa.array([x[2] for x in det + prob], pa.string()),
                "fields": pa.array([x[3] for x in det + prob], pa.string()),
                "weight": pa.array([x[4] for x in det + prob], pa.float64()),
                "probability": pa.array([x[5] for x in det + prob], pa.float64()),
            }
        )
        con = store.connection
        con.register("_overture_ids", ids)
        con.register("_overture_links", links)
        con.register("_overture_records", records)
        try:
            _write(store)
        finally:
            for name in ("_overture_ids", "_overture_links", "_overture_records"):
                con.unregister(name)
    profiles = store.count("SELECT count(*) FROM profiles")
    return ResolutionSummary(n, profiles, len(det), len(prob), fields, threshold)


def _write(store: CustomerStore) -> None:
    store.execute(
        """INSERT INTO identities
        SELECT r.source, r.contact_id, i.profile_id
        FROM _overture_records r JOIN _overture_ids i USING (unique_id)"""
    )
    store.execute(
        """INSERT INTO profiles
        SELECT i.profile_id,
            arg_max(r.email, r.created_at) FILTER (WHERE r.email IS NOT NULL),
            arg_max(r.phone, r.created_at) FILTER (WHERE r.phone IS NOT NULL),
            arg_max(r.given_name, r.created_at) FILTER (WHERE r.given_name IS NOT NULL),
            arg_max(r.family_name, r.created_at) FILTER (WHERE r.family_name IS NOT NULL),
            arg_max(r.locale, r.created_at) FILTER (WHERE r.locale IS NOT NULL),
            arg_max(r.time_zone, r.created_at) FILTER (WHERE r.time_zone IS NOT NULL),
            arg_max(r.country, r.created_at) FILTER (WHERE r.country IS NOT NULL),
            arg_max(r.region, r.created_at) FILTER (WHERE r.region IS NOT NULL),
            min(r.created_at),
            count(*)
        FROM _overture_records r JOIN _overture_ids i USING (unique_id)
        GROUP BY i.profile_id"""
    )
    store.execute(
        """INSERT INTO merges
        SELECT i.profile_id, a.source, a.contact_id, b.source, b.contact_id,
               k.rule, k.fields, k.weight, k.probability
        FROM _overture_links k
        JOIN _overture_records a ON a.unique_id = k.l
        JOIN _overture_records b ON b.unique_id = k.r
        JOIN _overture_ids i ON i.unique_id = k.l"""
    )


def _load_records(store: CustomerStore) -> object:
    # Event feeds name contacts the CRM may not have (an ESP keyed by email): they are
    # records too, so their events reach a profile.
    query = f"""
        SELECT source || ':' || contact_id AS unique_id, source AS source_dataset, source,
            contact_id, email_normalized AS email, phone_e164 AS phone,
            lower(trim(first_name)) AS first_name, lower(trim(last_name)) AS last_name,
            first_name AS given_name, last_name AS family_name,
            birth_date, postcode, national_id, lower(trim(address_1)) AS address_1,
            lower(trim(city)) AS city, street_number, locale, time_zone, country, region,
            created_at
        FROM contacts
        UNION ALL
        SELECT e.source || ':' || e.contact_id, e.source, e.source, e.contact_id,
            {sql.normalized_email("any_value(e.email)")}, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, min(e.occurred_at)
        FROM events e
        WHERE e.contact_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM contacts c WHERE c.source = e.source AND c.contact_id = e.contact_id)
        GROUP BY e.source, e.contact_id
        ORDER BY 1"""
    return store.arrow(query)


_Link = tuple[str, str, str, str, float | None, float | None]


def _deterministic_links(store: CustomerStore) -> list[_Link]:
    roles = sql.in_list(ROLE_LOCAL_PARTS)
    links: list[_Link] = []
    for field, rule, extra in (
        ("email_normalized", "same email", f" AND split_part(key, '@', 1) NOT IN {roles}"),
        ("phone_e164", "same phone", ""),
    ):
        event_key = (
            sql.normalized_email("any_value(e.email)") if field == "email_normalized" else "NULL"
        )
        # Each record joins the first record with the same key: a star, one link per record.
        rows = store.rows(
            f"""WITH r AS (
                SELECT source || ':' || contact_id AS uid, {field} AS key FROM contacts
                WHERE {field} IS NOT NULL
                UNION ALL
                SELECT e.source || ':' || e.contact_id,
                    {event_key}
                FROM events e WHERE e.contact_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM contacts c
                    WHERE c.source = e.source AND c.contact_id = e.contact_id)
                GROUP BY e.source, e.contact_id),
            k AS (SELECT uid, key, min(uid) OVER (PARTITION BY key) AS first FROM r
                  WHERE key IS NOT NULL{extra})
            SELECT first, uid FROM k WHERE uid <> first ORDER BY 1, 2"""
        )
        links += [
            (
                str(a),
                str(b),
                rule,
                field.removesuffix("_normalized").removesuffix("_e164"),
                None,
                None,
            )
            for a, b in rows
        ]
    return links


def _splink_links(
    con: duckdb.DuckDBPyConnection, threshold: float, max_pairs: float, seed: int
) -> tuple[tuple[str, ...], list[_Link]]:
    """Splink's links among the named records in ``con``'s ``_records_in``."""
    # Records without a name (event-only contacts) have nothing for Splink to weigh.
    con.execute(
        "CREATE TABLE records AS SELECT * FROM _records_in "
        "WHERE first_name IS NOT NULL OR last_name IS NOT NULL"
    )
    total = int(str(con.execute("SELECT count(*) FROM records").fetchall()[0][0]))
    fields = _usable_fields(con, total) if total >= 2 else []
    # Names, emails and phones alone cannot tell two namesakes apart: Splink needs at
    # least two personal fields (birth date, postcode, id, address) to weigh.
    if sum(1 for f in fields if f in _PERSONAL_FIELDS) < _MIN_PERSONAL:
        return (), []
    return tuple(fields), _predict(con, fields, total, threshold, max_pairs, seed)


def _usable_fields(con: duckdb.DuckDBPyConnection, total: int) -> list[str]:
    candidates = (*_NAME_FIELDS, *_EDIT_FIELDS, *_TEXT_FIELDS, *_EXACT_FIELDS)
    counts = con.execute(
        "SELECT " + ", ".join(f"count({sql.ident(c)})" for c in candidates) + " FROM records"
    ).fetchall()[0]
    return [
        c for c, n in zip(candidates, counts, strict=True) if int(str(n)) >= _MIN_FILLED * total
    ]


def _predict(
    con: duckdb.DuckDBPyConnection,
    fields: list[str],
    total: int,
    threshold: float,
    max_pairs: float,
    seed: int,
) -> list[_Link]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.internals.blocking_rule_creator import BlockingRuleCreator
    from splink.internals.comparison_creator import ComparisonCreator
    from splink.internals.exceptions import SplinkException

    comparisons: list[ComparisonCreator | dict[str, object]] = []
    for field in fields:
        if field in _NAME_FIELDS:
            comparisons.append(cl.NameComparison(field))
        elif field in _EDIT_FIELDS:
            comparisons.append(cl.DamerauLevenshteinAtThresholds(field, [1, 2]))
        elif field in _TEXT_FIELDS:
            comparisons.append(cl.JaroWinklerAtThresholds(field, [0.9, 0.7]))
        else:
            comparisons.append(cl.ExactMatch(field))
    has = set(fields)
    # Blocks on one name alone explode when names repeat: pair fields up instead.
    rules: list[BlockingRuleCreator | dict[str, object]] = [
        block_on(*cols) for cols in _BLOCKS if all(c in has for c in cols)
    ]
    training = [
        block_on(*cols)
        for cols in (("birth_date",), ("national_id",), ("first_name", "last_name"), ("email",))
        if all(c in has for c in cols)
    ][:3]
    sources = int(str(con.execute("SELECT count(DISTINCT source) FROM records").fetchall()[0][0]))
    settings = SettingsCreator(
        link_type="link_and_dedupe" if sources > 1 else "dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1 / max(total, 2),
        blocking_rules_to_generate_predictions=rules,
        comparisons=comparisons,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )
    db = DuckDBAPI(con)
    linker = Linker(db.register("records"), settings, log_level=logging.ERROR)
    try:
        # Never ask for more random pairs than the base has.
        pairs = min(max_pairs, total * (total - 1) / 2)
        linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
        for rule in training:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(rule)
            except (SplinkException, ValueError) as error:
                # A small or uniform base can leave a level unobserved; the other
                # sessions (or the comparisons' default m values) still train the model.
                _log.info("EM training skipped a blocking rule: %s", error)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
    except SplinkException as error:
        raise StoreError(f"probabilistic matching failed: {error}") from error
    produced = {
        str(d[0])
        for d in con.execute(f"SELECT * FROM {predictions.physical_name} LIMIT 0").description
    }
    # Splink leaves out the weight of a comparison it could not train.
    fields = [f for f in fields if f"mw_{f}" in produced]
    weights = ", ".join(f"mw_{f}" for f in fields)
    rows = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_weight, match_probability, {weights} "
        f"FROM {predictions.physical_name} ORDER BY 1, 2"
    ).fetchall()
    links: list[_Link] = []
    for row in rows:
        # A field "matched" when its agreement added evidence: its partial weight is positive.
        matched = [
            f"{name} {float(str(row[4 + i])):+.1f}"
            for i, name in enumerate(fields)
            if row[4 + i] is not None and float(str(row[4 + i])) > 0
        ]
        links.append(
            (
                str(row[0]),
                str(row[1]),
                "splink",
                ", ".join(matched),
                float(str(row[2])),
                float(str(row[3])),
            )
        )
    return links


def _components(n: int, left: list[int], right: list[int], uid: list[str]) -> list[str]:
    if n == 0:
        return []
    graph = coo_matrix(
        (
            np.ones(len(left), dtype=np.int8),
            (np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)),
        ),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    first: dict[int, str] = {}
    for i, label in enumerate(labels.tolist()):
        # uid is sorted, so the first record met is the component's smallest: a stable name.
        first.setdefault(int(label), uid[i])
    return [
        "p-" + hashlib.sha256(first[int(label)].encode()).hexdigest()[:16]
        for label in labels.tolist()
    ]


def profile_of(store: CustomerStore, source: str, contact_id: str) -> ProfileId | None:
    """The profile a record belongs to, once resolved."""
    value = store.scalar(
        "SELECT profile_id FROM identities WHERE source = ? AND contact_id = ?",
        [source, contact_id],
    )
    return None if value is None else ProfileId(str(value))


def explain_profile(store: CustomerStore, profile_id: str) -> list[Merge]:
    """Every link that put records into this profile, with its rule, fields and weight."""
    rows = store.rows(
        "SELECT profile_id, source_l, contact_id_l, source_r, contact_id_r, rule, matched_fields, "
        "match_weight, match_probability FROM merges WHERE profile_id = ? ORDER BY 2, 3, 4, 5",
        [profile_id],
    )
    return [
        Merge(
            ProfileId(str(r[0])),
            (str(r[1]), str(r[2])),
            (str(r[3]), str(r[4])),
            str(r[5]),
            str(r[6]),
            None if r[7] is None else float(str(r[7])),
            None if r[8] is None else float(str(r[8])),
        )
        for r in rows
    ]
