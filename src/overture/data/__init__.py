"""The customer store on DuckDB: import, data quality, identity resolution, features, segments."""

from __future__ import annotations

from overture.data.importer import ImportSummary, import_file
from overture.data.layouts import Kind
from overture.data.mappings import Mapping, load_mapping, preset_names
from overture.data.store import CustomerStore, StoreError

__all__ = [
    "CustomerStore",
    "ImportSummary",
    "Kind",
    "Mapping",
    "StoreError",
    "import_file",
    "load_mapping",
    "preset_names",
]
