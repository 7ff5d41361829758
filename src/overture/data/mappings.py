"""Mapping files: how another tool's export becomes one of Overture's import layouts.

A mapping is a small TOML file (see ``docs/data.md``)::

    name = "sendgrid-events"
    kind = "email-events"
    source = "sendgrid"            # the source system the rows belong to
    format = "json"                # optional: csv, json or parquet (else from the extension)

    [columns]                      # layout column = column in the export
    event_id = "sg_event_id"

    [formats]                      # layout column = how its time is written
    occurred_at = "epoch"          # epoch, epoch_ms, or a strptime pattern

    [values.event_type]            # export value = layout value
    open = "opened"

    [constants]                    # layout column = the same value for every row
    campaign_id = "newsletter"

Presets for well-known exports ship in ``overture/data/mappings/`` and are named without
the ``.toml`` suffix.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from overture.data.layouts import Kind, layout_for
from overture.exceptions import ConfigError

__all__ = ["Mapping", "load_mapping", "preset_names"]


class Mapping(BaseModel):
    """How one export's columns and values land on an Overture layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """A short name, recorded with each import."""
    kind: Kind
    """The layout the export maps onto."""
    source: str = ""
    """The source system the rows come from (``mailchimp``); ``--source`` overrides it."""
    description: str = ""
    format: str | None = None
    """``csv``, ``json`` or ``parquet``; by default from the file's extension."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Layout column = export column."""
    formats: dict[str, str] = Field(default_factory=dict)
    """Layout column = ``epoch``, ``epoch_ms`` or a strptime pattern."""
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Layout column = {export value = layout value}."""
    constants: dict[str, str] = Field(default_factory=dict)
    """Layout column = a value for every row."""


def preset_names() -> list[str]:
    """The mapping presets that ship with Overture."""
    folder = resources.files("overture.data") / "mappings"
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def load_mapping(name_or_path: str | Path) -> Mapping:
    """Read a mapping file, or a preset by name; a mistake is a ConfigError with the fix."""
    text, where = _mapping_text(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise ConfigError(
            f"not valid TOML: {error}",
            "fix the syntax at that line (see docs/data.md for the mapping format)",
            file=where,
            line=int(line.group(1)) if line else None,
        ) from error
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            first["msg"],
            "see docs/data.md for the keys a mapping file takes",
            file=where,
            key=key,
        ) from error
    _check_against_layout(mapping, where)
    return mapping


def _mapping_text(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError(
                "no such mapping file",
                f"give a path to a .toml file or a preset: {', '.join(preset_names())}",
                file=str(path),
            )
        return path.read_text(encoding="utf-8"), str(path)
    name = str(name_or_path)
    if name not in preset_names():
        raise ConfigError(
            f"no mapping preset called '{name}'",
            f"use one of {', '.join(preset_names())}, or a path to a .toml file",
            file=name,
        )
    preset = resources.files("overture.data") / "mappings" / f"{name}.toml"
    return preset.read_text(encoding="utf-8"), f"preset {name}"


def _check_against_layout(mapping: Mapping, where: str) -> None:
    layout = layout_for(mapping.kind)
    for section, names in (
        ("columns", mapping.columns),
        ("formats", mapping.formats),
        ("values", mapping.values),
        ("constants", mapping.constants),
    ):
        for target in names:
            if target not in layout.names:
                raise ConfigError(
                    f"'{target}' is not a column of the {mapping.kind} layout",
                    f"use one of: {', '.join(layout.names)}",
                    file=where,
                    key=f"{section}.{target}",
                )
    for target, pattern in mapping.formats.items():
        if pattern not in ("epoch", "epoch_ms") and "%" not in pattern:
            raise ConfigError(
                f"'{pattern}' is not a time format",
                "write epoch, epoch_ms or a strptime pattern such as %Y-%m-%d %H:%M:%S",
                file=where,
                key=f"formats.{target}",
            )
    if mapping.format not in (None, "csv", "json", "parquet"):
        raise ConfigError(
            f"unknown format '{mapping.format}'",
            "write csv, json or parquet, or leave it out",
            file=where,
            key="format",
        )
