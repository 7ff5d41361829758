"""Named segments and behavioural clusters."""

from __future__ import annotations

import numpy as np
import pytest
from dirty_data import NOW

from overture.data import CustomerStore
from overture.data.segments import (
    BUILTIN_SEGMENTS,
    cluster_profiles,
    define_segment,
    describe_cluster,
    list_segments,
    segment_sql,
)
from overture.exceptions import UsageError


def _seed_profiles(store: CustomerStore, n: int = 200) -> None:
    """Half keen readers who buy, half silent: two behaviours a clustering must separate."""
    store.execute(
        f"""INSERT INTO profiles
        SELECT 'p' || lpad(i::VARCHAR, 4, '0'), 'u' || i || '@x.com', NULL, NULL, NULL, NULL,
               NULL, 'CA', NULL, ?::TIMESTAMPTZ - INTERVAL 400 DAY, 1 FROM range({n}) t(i)""",
        [NOW],
    )
    store.execute(
        """INSERT INTO profile_features
        SELECT profile_id, ?::TIMESTAMPTZ, 400,
            CASE WHEN keen THEN 2 + i % 5 ELSE NULL END,
            CASE WHEN keen THEN 10 + i % 3 ELSE 0 END, 10,
            CASE WHEN keen THEN 0.6 + (i % 4) / 20 ELSE 0 END,
            CASE WHEN keen THEN 0.2 ELSE 0 END, NULL, NULL, NULL,
            CASE WHEN keen THEN 3 ELSE 0 END, CASE WHEN keen THEN 120 ELSE 0 END,
            NULL, NULL, NULL
        FROM (SELECT profile_id, row_number() OVER (ORDER BY profile_id) AS i,
                     row_number() OVER (ORDER BY profile_id) % 2 = 0 AS keen FROM profiles)""",
        [NOW],
    )


def test_builtin_and_defined_segments(store: CustomerStore) -> None:
    _seed_profiles(store)
    found = {segment.name: segment for segment in list_segments(store)}
    assert set(found) == {name for name, _, _ in BUILTIN_SEGMENTS}
    assert found["openers"].size == 100
    assert found["dormant"].size == 100
    assert found["buyers"].size == 100
    added = define_segment(store, "keen_canadians", "f.click_rate > 0.1 AND p.country = 'CA'")
    assert added.size == 100
    assert added.description == "f.click_rate > 0.1 AND p.country = 'CA'"
    assert {s.name for s in list_segments(store)} >= {"keen_canadians"}
    assert store.count(f"SELECT count(*) FROM ({segment_sql('f.frequency_90d >= 11')})") == 67


def test_a_broken_condition_is_refused(store: CustomerStore) -> None:
    with pytest.raises(UsageError, match="cannot run"):
        define_segment(store, "bad", "f.no_such_feature > 1")
    with pytest.raises(UsageError, match="without ';'"):
        define_segment(store, "bad", "true; DROP TABLE profiles")
    assert store.count("SELECT count(*) FROM segments WHERE name = 'bad'") == 0


def test_clusters_separate_behaviours_and_say_how(store: CustomerStore) -> None:
    _seed_profiles(store)
    clusters = cluster_profiles(store, 2, np.random.default_rng(3))
    assert sorted(c.size for c in clusters) == [100, 100]
    keen = max(clusters, key=lambda c: c.centre["human_open_rate"])
    silent = min(clusters, key=lambda c: c.centre["human_open_rate"])
    # Every feature splits the two halves equally well: check the direction of the words.
    assert keen.description.count(",") == silent.description.count(",") == 2
    assert not any(w in keen.description for w in ("low", "rarely", "few", "inactive"))
    assert not any(w in silent.description for w in ("high", "often", "repeat", "recently"))
    assert silent.centre["recency_days"] == 365.0
    stored = store.rows("SELECT cluster, count(*) FROM profile_clusters GROUP BY 1 ORDER BY 1")
    assert stored == [(0, 100), (1, 100)]
    again = cluster_profiles(store, 2, np.random.default_rng(3))
    assert [c.description for c in again] == [c.description for c in clusters]


def test_clustering_refuses_what_it_cannot_do(store: CustomerStore) -> None:
    with pytest.raises(UsageError, match="at least 2"):
        cluster_profiles(store, 1, np.random.default_rng(0))
    with pytest.raises(UsageError, match="cannot make 3 clusters"):
        cluster_profiles(store, 3, np.random.default_rng(0))


def test_descriptions() -> None:
    assert describe_cluster({"click_rate": 0.1}) == "typical of the whole base"
    assert describe_cluster({"tenure_days": -1.0, "purchase_amount": 2.0}) == "high spend, new"
