"""The customer store on DuckDB: import, data quality, identity resolution, features, segments.

Measurement reads :func:`human_open_rate`, :func:`click_rate` and :func:`unsubscribe_rate`,
which return counts so that intervals can be put around the rates.
"""

from __future__ import annotations

from overture.data.features import FeatureSummary, compute_features
from overture.data.identity import Merge, ResolutionSummary, explain_profile, resolve_identities
from overture.data.importer import ImportSummary, import_file
from overture.data.layouts import Kind
from overture.data.mappings import Mapping, load_mapping, preset_names
from overture.data.metrics import (
    EngagementCounts,
    OpenCounts,
    click_rate,
    human_open_rate,
    unsubscribe_rate,
)
from overture.data.quality import QualityCheck, QualityReport, quality_report
from overture.data.segments import (
    Cluster,
    Segment,
    cluster_profiles,
    cluster_reading_times,
    define_segment,
    list_segments,
)
from overture.data.store import CustomerStore, StoreError

__all__ = [
    "Cluster",
    "CustomerStore",
    "EngagementCounts",
    "FeatureSummary",
    "ImportSummary",
    "Kind",
    "Mapping",
    "Merge",
    "OpenCounts",
    "QualityCheck",
    "QualityReport",
    "ResolutionSummary",
    "Segment",
    "StoreError",
    "click_rate",
    "cluster_profiles",
    "cluster_reading_times",
    "compute_features",
    "define_segment",
    "explain_profile",
    "human_open_rate",
    "import_file",
    "list_segments",
    "load_mapping",
    "preset_names",
    "quality_report",
    "resolve_identities",
    "unsubscribe_rate",
]
