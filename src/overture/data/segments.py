"""Segments: named SQL conditions over profiles, and behavioural clusters.

A named segment is a condition over the columns of ``profiles`` (alias ``p``) and
``profile_features`` (alias ``f``), for example ``f.human_open_rate >= 0.3``. Clusters group
profiles by their standardized behaviour with k-means; each cluster gets a description
saying how it differs from the whole base. Reading-time clusters group profiles by when they
open as people (the circular mean of their human opens' local hours), with the profiles that
opened too rarely to tell in a cluster of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from overture.data.store import CustomerStore, StoreError
from overture.exceptions import UsageError

__all__ = [
    "BUILTIN_SEGMENTS",
    "CLUSTER_FEATURES",
    "Cluster",
    "Segment",
    "cluster_profiles",
    "cluster_reading_times",
    "define_segment",
    "describe_cluster",
    "list_segments",
    "segment_sql",
]


@dataclass(frozen=True)
class Segment:
    """A named condition and how many profiles meet it now."""

    name: str
    description: str
    condition: str
    size: int


@dataclass(frozen=True)
class Cluster:
    """One behavioural cluster: its size, its centre in natural units, and what sets it apart."""

    index: int
    size: int
    description: str
    centre: dict[str, float]


BUILTIN_SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("engaged", "opened as a person or clicked in the last 30 days", "f.recency_days <= 30"),
    (
        "dormant",
        "no human engagement for 90 days, or never",
        "f.recency_days IS NULL OR f.recency_days > 90",
    ),
    ("new", "profile younger than 30 days", "f.tenure_days <= 30"),
    ("openers", "human-open rate of 30% or more", "f.human_open_rate >= 0.3"),
    ("buyers", "bought at least once", "f.purchase_count > 0"),
    (
        "champions",
        "recent, frequent, high-spending buyers (RFM 4+ on each)",
        "f.rfm_recency >= 4 AND f.rfm_frequency >= 4 AND f.rfm_monetary >= 4",
    ),
    (
        "at_risk",
        "used to buy often, not lately (RFM recency 1-2, frequency 4+)",
        "f.rfm_recency <= 2 AND f.rfm_frequency >= 4",
    ),
)
"""(name, description, condition) of the segments every store starts with."""

CLUSTER_FEATURES = (
    "recency_days",
    "frequency_90d",
    "human_open_rate",
    "click_rate",
    "tenure_days",
    "purchase_count",
    "purchase_amount",
)
"""The features clustering uses (missing recency counts as one year)."""

_WORDS: dict[str, tuple[str, str]] = {
    "recency_days": ("long inactive", "recently active"),
    "frequency_90d": ("frequently engaged", "rarely engaged"),
    "human_open_rate": ("high open rate", "low open rate"),
    "click_rate": ("clicks often", "rarely clicks"),
    "tenure_days": ("long-standing", "new"),
    "purchase_count": ("repeat buyers", "few purchases"),
    "purchase_amount": ("high spend", "low spend"),
}
_NEVER_DAYS = 365.0
_FIT_SAMPLE = 50_000


def segment_sql(condition: str) -> str:
    """The profile ids meeting ``condition``."""
    return (
        "SELECT p.profile_id FROM profiles p JOIN profile_features f USING (profile_id) "
        f"WHERE ({condition})"
    )


def _ensure_builtins(store: CustomerStore) -> None:
    for name, description, condition in BUILTIN_SEGMENTS:
        store.execute(
            "INSERT INTO segments VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [name, description, condition],
        )


def define_segment(
    store: CustomerStore, name: str, condition: str, description: str = ""
) -> Segment:
    """Add or replace a named segment; the condition is checked by running it."""
    if ";" in condition:
        raise UsageError(
            "a segment condition is one SQL expression, without ';'",
            "write a condition such as: f.human_open_rate >= 0.3 AND p.country = 'CA'",
        )
    try:
        size = store.count(f"SELECT count(*) FROM ({segment_sql(condition)})")
    except StoreError as error:
        raise UsageError(
            f"segment '{name}' has a condition the store cannot run: {error.message}",
            "use the columns of profiles (p.) and profile_features (f.), see docs/data.md",
        ) from error
    store.execute(
        "INSERT OR REPLACE INTO segments VALUES (?, ?, ?)",
        [name, description or condition, condition],
    )
    return Segment(name, description or condition, condition, size)


def list_segments(store: CustomerStore) -> list[Segment]:
    """Every named segment with its current size (built-in ones included)."""
    _ensure_builtins(store)
    defined = store.rows("SELECT name, description, condition FROM segments ORDER BY name")
    # One scan of the profiles counts every segment.
    counts = ", ".join(f"count(*) FILTER (WHERE {condition})" for _, _, condition in defined)
    sizes = store.rows(
        f"SELECT {counts} FROM profiles p JOIN profile_features f USING (profile_id)"
    )[0]
    return [
        Segment(str(name), str(description), str(condition), int(str(size)))
        for (name, description, condition), size in zip(defined, sizes, strict=True)
    ]


def cluster_profiles(store: CustomerStore, k: int, rng: np.random.Generator) -> list[Cluster]:
    """Group profiles into ``k`` behavioural clusters, store each profile's cluster, describe each.

    The centres are fitted on a sample (at most 50,000 profiles) drawn with ``rng``, then
    every profile is assigned to its nearest centre.
    """
    if k < 2:
        raise UsageError("clustering needs at least 2 clusters", "pass --clusters 2 or more")
    columns = ", ".join(
        f"coalesce({c}, {_NEVER_DAYS})" if c == "recency_days" else f"coalesce({c}, 0)"
        for c in CLUSTER_FEATURES
    )
    result = store.execute(
        f"SELECT profile_id, {columns} FROM profile_features ORDER BY profile_id"
    ).fetchnumpy()
    ids = result["profile_id"]
    n = len(ids)
    if n < k:
        raise UsageError(
            f"{n} profiles cannot make {k} clusters",
            "compute features first (`overture data features`), or ask for fewer clusters",
        )
    keys = [key for key in result if key != "profile_id"]
    matrix = np.column_stack([np.asarray(result[key], dtype=np.float64) for key in keys])
    mean = matrix.mean(axis=0)
    std = matrix.std(axis=0)
    std[std == 0] = 1.0
    scaled = (matrix - mean) / std
    sample = scaled if n <= _FIT_SAMPLE else scaled[rng.choice(n, _FIT_SAMPLE, replace=False)]
    model = KMeans(n_clusters=k, n_init="auto", random_state=int(rng.integers(2**31 - 1)))
    model.fit(sample)
    labels = np.asarray(model.predict(scaled), dtype=np.int32)
    _store_labels(store, ids, labels)
    clusters: list[Cluster] = []
    for index in range(k):
        members = np.equal(labels, index)
        size = int(np.count_nonzero(members))
        centre_scaled = scaled[members].mean(axis=0) if size else np.zeros(len(keys))
        centre = matrix[members].mean(axis=0) if size else mean
        clusters.append(
            Cluster(
                index,
                size,
                describe_cluster(dict(zip(CLUSTER_FEATURES, centre_scaled.tolist(), strict=True))),
                dict(zip(CLUSTER_FEATURES, (round(float(v), 3) for v in centre), strict=True)),
            )
        )
    return clusters


MIN_OPENS_FOR_READING_TIME = 3
"""Human opens a profile needs before its reading time is trusted."""


def cluster_reading_times(
    store: CustomerStore,
    k: int,
    rng: np.random.Generator,
    *,
    min_opens: int = MIN_OPENS_FOR_READING_TIME,
) -> list[Cluster]:
    """Group profiles by when they read, store each profile's cluster, describe each.

    Each profile's reading time is the circular mean local hour of its human opens (machine
    opens never count); profiles with at least ``min_opens`` of them are clustered on the unit
    circle of that hour with k-means into ``k`` clusters, numbered by hour from the early
    morning. Cluster ``k`` holds everyone else: too few opens to say when they read.
    """
    if k < 2:
        raise UsageError("clustering needs at least 2 clusters", "pass --clusters 2 or more")
    result = store.execute(
        """WITH zone AS (
               SELECT profile_id,
                   CASE WHEN time_zone IN (SELECT name FROM pg_timezone_names())
                        THEN time_zone ELSE 'UTC' END AS tz
               FROM profiles),
           local AS (
               SELECT i.profile_id, timezone(z.tz, o.occurred_at) AS local_at
               FROM opens o
               JOIN identities i ON i.source = o.source AND i.contact_id = o.contact_id
               JOIN zone z ON z.profile_id = i.profile_id
               WHERE NOT o.is_machine_open),
           angles AS (
               SELECT profile_id, count(*) AS n,
                   avg(sin(2 * pi() * (hour(local_at) + minute(local_at) / 60) / 24)) AS s,
                   avg(cos(2 * pi() * (hour(local_at) + minute(local_at) / 60) / 24)) AS c
               FROM local GROUP BY profile_id)
           SELECT p.profile_id, coalesce(a.n, 0) AS n, coalesce(a.s, 0) AS s,
                  coalesce(a.c, 0) AS c
           FROM profiles p LEFT JOIN angles a USING (profile_id) ORDER BY p.profile_id"""
    ).fetchnumpy()
    ids = result["profile_id"]
    opens = np.asarray(result["n"], dtype=np.int64)
    angle = np.arctan2(np.asarray(result["s"], np.float64), np.asarray(result["c"], np.float64))
    known = opens >= min_opens
    if int(known.sum()) < k:
        raise UsageError(
            f"only {int(known.sum())} profiles have {min_opens} human opens or more",
            "cluster by behaviour instead, or import more history",
        )
    points = np.column_stack([np.cos(angle[known]), np.sin(angle[known])])
    sample = points if len(points) <= _FIT_SAMPLE else points[rng.choice(len(points), _FIT_SAMPLE)]
    model = KMeans(n_clusters=k, n_init="auto", random_state=int(rng.integers(2**31 - 1)))
    model.fit(sample)
    centres = np.mod(
        np.arctan2(model.cluster_centers_[:, 1], model.cluster_centers_[:, 0]) * 24 / (2 * np.pi),
        24.0,
    )
    # Number clusters by their hour counted from 4:00, so "0" is the earliest readers.
    order = np.argsort(np.mod(centres - 4.0, 24.0), kind="stable")
    rank = np.empty(k, dtype=np.int32)
    rank[order] = np.arange(k, dtype=np.int32)
    labels = np.full(len(ids), k, dtype=np.int32)
    labels[known] = rank[np.asarray(model.predict(points), dtype=np.int64)]
    _store_labels(store, ids, labels)
    clusters: list[Cluster] = []
    for index in range(k + 1):
        members = labels == index
        size = int(np.count_nonzero(members))
        if index < k:
            typical = float(centres[order[index]])
            text = f"read around {int(typical):02d}:{int(typical % 1 * 60):02d} local time"
            centre: dict[str, float] = {"reading_hour": round(typical, 2)}
        else:
            text = f"fewer than {min_opens} human opens: reading time unknown"
            centre = {}
        centre["human_opens"] = round(float(opens[members].mean()), 2) if size else 0.0
        clusters.append(Cluster(index, size, text, centre))
    return clusters


def describe_cluster(z_scores: dict[str, float], limit: int = 3) -> str:
    """Words for the features where a cluster's centre stands out (|z| >= 0.25), biggest first."""
    ranked = sorted(
        ((abs(z), name, z) for name, z in z_scores.items() if abs(z) >= 0.25 and name in _WORDS),
        reverse=True,
    )
    words = [_WORDS[name][0 if z > 0 else 1] for _, name, z in ranked[:limit]]
    return ", ".join(words) if words else "typical of the whole base"


def _store_labels(store: CustomerStore, ids: object, labels: np.ndarray) -> None:
    import pyarrow as pa

    table = pa.table(
        {"profile_id": pa.array(ids, pa.string()), "cluster": pa.array(labels, pa.int32())}
    )
    con = store.connection
    con.register("_overture_clusters", table)
    try:
        with store.transaction():
            store.execute("DELETE FROM profile_clusters")
            store.execute("INSERT INTO profile_clusters SELECT * FROM _overture_clusters")
    finally:
        con.unregister("_overture_clusters")
