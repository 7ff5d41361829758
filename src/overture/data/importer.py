"""Importing files into the customer store: CSV, Parquet and JSON Lines, with mappings.

Every row read ends in the store or in ``quarantine`` with the file, line and reason; each
import is one transaction; importing the same file again changes nothing. A clean CSV in
Overture's own layout takes a fast path (typed read straight into the table, then checked);
anything else — or a fast import whose check finds a problem, which is then rolled back —
goes through a staging table where each row is checked field by field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers
from duckdb.func import FunctionNullHandling

from overture.clock import Clock, WallClock
from overture.data import sql
from overture.data.layouts import Kind, Layout, layout_for
from overture.data.mappings import Mapping
from overture.data.store import CustomerStore, StoreError
from overture.exceptions import ConfigError, UsageError

__all__ = ["ImportSummary", "file_format", "import_file", "to_e164"]

_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
}
_EVENT_KINDS = {
    Kind.EMAIL_EVENTS: "email",
    Kind.WEB_EVENTS: "web",
    Kind.AD_EVENTS: "ad",
    Kind.PURCHASES: "purchase",
}
_DEFAULT_SOURCE = "primary"


@dataclass(frozen=True)
class ImportSummary:
    """What one import did. ``rows_read`` = loaded + updated + already present + quarantined."""

    import_id: str
    kind: Kind
    source: str
    file: str
    rows_read: int
    loaded: int
    updated: int
    already_present: int
    quarantined: int
    already_imported: bool
    """The very same file was imported before with the same settings: nothing was done."""
    reasons: tuple[tuple[str, int], ...] = ()
    """Quarantine reasons of this import with how many rows each, most frequent first."""


class _Redo(Exception):
    """The fast path found something it does not handle; the careful path takes over."""


@dataclass(frozen=True)
class _Field:
    source: str | None
    constant: str | None
    values: dict[str, str]
    text_format: str | None


@dataclass(frozen=True)
class _Plan:
    kind: Kind
    layout: Layout
    source: str
    path: Path
    file_format: str
    encoding: str
    import_id: str
    fingerprint: str
    mapping: Mapping | None
    file_columns: tuple[str, ...]
    fields: dict[str, _Field]


def file_format(path: Path, mapping: Mapping | None = None) -> str:
    """``csv``, ``json`` or ``parquet``: from the mapping, else from the file's extension."""
    if mapping is not None and mapping.format is not None:
        return mapping.format
    found = _FORMATS.get(path.suffix.lower())
    if found is None:
        raise UsageError(
            f"cannot tell the format of {path.name}",
            "name the file .csv, .parquet or .jsonl (JSON Lines), or set format in a mapping",
        )
    return found


@lru_cache(maxsize=65536)
def to_e164(phone: str, country: str) -> str | None:
    """A phone number in E.164 (``+15145550123``), or None when it is not a valid number.

    ``country`` (ISO alpha-2) is used for numbers written without a country code; US when empty.
    """
    try:
        parsed = phonenumbers.parse(phone, (country or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _e164_udf(phone: str | None, country: str | None) -> str | None:
    return None if phone is None else to_e164(phone, country or "")


def _fingerprint(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    store: CustomerStore,
    kind: Kind | str,
    path: Path,
    *,
    mapping: Mapping | None = None,
    source: str | None = None,
    encoding: str = "utf-8",
    clock: Clock | None = None,
) -> ImportSummary:
    """Import one file of ``kind`` into ``store`` as a single transaction.

    ``source`` names the system the rows come from (default: the mapping's, else
    ``primary``); contact ids are unique within a source. Raises UsageError (nothing
    written) when the file cannot be read or has no row that could be stored.
    """
    plan = _plan(store, _kind(kind), Path(path), mapping, source, encoding)
    done = _previous_import(store, plan)
    if done is not None:
        return done
    now = (clock or WallClock()).now()
    _register_functions(store)
    if _fast_path_applies(store, plan):
        try:
            with store.transaction():
                summary = _fast_import(store, plan)
                _record(store, plan, summary, now)
            return summary
        except (_Redo, StoreError):
            pass  # rolled back: the careful path explains what was wrong, row by row
    with store.transaction():
        summary = _careful_import(store, plan)
        _record(store, plan, summary, now)
    return summary


def _kind(kind: Kind | str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise UsageError(
            f"unknown kind of file '{kind}'",
            f"use one of: {', '.join(k.value for k in Kind)}",
        ) from None


def _plan(
    store: CustomerStore,
    kind: Kind,
    path: Path,
    mapping: Mapping | None,
    source: str | None,
    encoding: str,
) -> _Plan:
    if not path.is_file():
        raise UsageError(f"no such file: {path}", "check the path (relative to this directory)")
    if mapping is not None and mapping.kind != kind:
        raise UsageError(
            f"mapping '{mapping.name}' is for {mapping.kind} files, not {kind}",
            f"import it as {mapping.kind}, or pick a mapping for {kind}",
        )
    fmt = file_format(path, mapping)
    chosen_source = source or (mapping.source if mapping and mapping.source else _DEFAULT_SOURCE)
    fingerprint = _fingerprint(path)
    identity = "|".join([fingerprint, kind.value, chosen_source, mapping.name if mapping else ""])
    import_id = hashlib.sha256(identity.encode()).hexdigest()[:16]
    file_columns = _file_columns(store, path, fmt, encoding)
    layout = layout_for(kind)
    fields = _fields(layout, mapping, file_columns, path)
    return _Plan(
        kind,
        layout,
        chosen_source,
        path,
        fmt,
        encoding,
        import_id,
        fingerprint,
        mapping,
        file_columns,
        fields,
    )


def _file_columns(store: CustomerStore, path: Path, fmt: str, encoding: str) -> tuple[str, ...]:
    source = sql.reader(str(path), fmt, encoding=encoding, rejects="_overture_sniff")
    try:
        rows = store.rows(f"DESCRIBE SELECT * FROM {source}")
    except StoreError as error:
        raise UsageError(
            f"cannot read {path} as {fmt}: {error.message}",
            "check the file's format and encoding (--encoding latin-1 for Windows exports)",
        ) from error
    finally:
        store.execute("DROP TABLE IF EXISTS _overture_sniff_errors")
        store.execute("DROP TABLE IF EXISTS _overture_sniff_scans")
    return tuple(str(row[0]) for row in rows)


def _fields(
    layout: Layout, mapping: Mapping | None, file_columns: tuple[str, ...], path: Path
) -> dict[str, _Field]:
    present = set(file_columns)
    fields: dict[str, _Field] = {}
    missing: list[str] = []
    for column in layout.columns:
        source: str | None = column.name if column.name in present else None
        constant: str | None = None
        values: dict[str, str] = {}
        text_format: str | None = None
        if mapping is not None:
            if column.name in mapping.columns:
                source = mapping.columns[column.name]
                if source not in present and not column.required:
                    # Optional fields come and go in exports (JSON keys only some events have).
                    source = None
                elif source not in present:
                    raise ConfigError(
                        f"{path.name} has no column '{source}'",
                        f"name one of its columns: {', '.join(file_columns)}",
                        file=f"mapping {mapping.name}",
                        key=f"columns.{column.name}",
                    )
            constant = mapping.constants.get(column.name)
            values = dict(mapping.values.get(column.name, {}))
            text_format = mapping.formats.get(column.name)
        if column.required and source is None and constant is None:
            missing.append(column.name)
        fields[column.name] = _Field(source, constant, values, text_format)
    if missing:
        raise UsageError(
            f"{path} lacks the required column(s) {', '.join(missing)} "
            f"for {layout.kind} (it has: {', '.join(file_columns)})",
            "rename the columns as in docs/data-formats.md, or pass --mapping with a mapping "
            "file or preset (docs/data.md)",
        )
    return fields


def _previous_import(store: CustomerStore, plan: _Plan) -> ImportSummary | None:
    rows = store.rows(
        "SELECT rows_read, rows_loaded, rows_already_present, rows_quarantined "
        "FROM imports WHERE import_id = ?",
        [plan.import_id],
    )
    if not rows:
        return None
    read, _, _, quarantined = (int(str(value)) for value in rows[0])
    return ImportSummary(
        plan.import_id,
        plan.kind,
        plan.source,
        str(plan.path),
        rows_read=read,
        loaded=0,
        updated=0,
        already_present=read - quarantined,
        quarantined=quarantined,
        already_imported=True,
    )


def _register_functions(store: CustomerStore) -> None:
    if store.count("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'overture_e164'"):
        return
    store.connection.create_function(
        "overture_e164",
        _e164_udf,
        ["VARCHAR", "VARCHAR"],
        "VARCHAR",
        null_handling=FunctionNullHandling.SPECIAL,
        side_effects=False,
    )


# --- where each layout column goes -------------------------------------------------------


def _targets(plan: _Plan, value: Callable[[str], str]) -> tuple[str, list[tuple[str, str]]]:
    """The table and (column, expression) pairs an import writes; ``value`` reads a field."""
    src = sql.literal(plan.source)
    imp = sql.literal(plan.import_id)
    kind = plan.kind
    if kind is Kind.CRM_CONTACTS:
        names = [c.name for c in plan.layout.columns]
        pairs = [("source", src)] + [(n, value(n)) for n in names]
        pairs.append(("email_normalized", sql.normalized_email(value("email"))))
        e164 = f"overture_e164({value('phone')}, {value('country')})"
        pairs.append(("phone_e164", e164))
        return "contacts", [*pairs, ("import_id", imp)]
    if kind is Kind.CONSENTS:
        names = ["contact_id", "channel", "purpose", "legal_basis", "status"]
        pairs = [("source", src)] + [(n, value(n)) for n in names]
        pairs += [
            ("recorded_at", value("recorded_at")),
            ("expires_at", value("expires_at")),
            ("proof", value("source")),
        ]
        return "consents", [*pairs, ("import_id", imp)]
    has = set(plan.layout.names)

    def pick(name: str) -> str:
        return value(name) if name in has else "NULL"

    pairs = [("source", src), ("kind", sql.literal(_EVENT_KINDS[kind]))]
    if kind is Kind.PURCHASES:
        pairs += [("event_id", value("order_id")), ("event_type", "'purchase'")]
    else:
        pairs += [("event_id", value("event_id")), ("event_type", value("event_type"))]
    for name in (
        "contact_id",
        "email",
        "anonymous_id",
        "campaign_id",
        "occurred_at",
        "subject",
        "arm",
        "user_agent",
        "ip",
        "url",
        "bounce_type",
        "amount",
        "currency",
    ):
        pairs.append((name, pick(name)))
    return "events", [*pairs, ("import_id", imp)]


def _key_match(plan: _Plan, table: str, alias: str, staged: str) -> str:
    """SQL true when the staged row's natural key is already stored in ``table``."""
    if plan.kind is Kind.CRM_CONTACTS:
        cols = ["contact_id"]
    elif plan.kind is Kind.CONSENTS:
        cols = list(plan.layout.key)
    else:
        cols = ["event_id"]
    key_sources = {"event_id": "order_id" if plan.kind is Kind.PURCHASES else "event_id"}
    conditions = [f"{alias}.source = {sql.literal(plan.source)}"]
    if table == "events":
        conditions.append(f"{alias}.kind = {sql.literal(_EVENT_KINDS[plan.kind])}")
    for col in cols:
        staged_col = key_sources.get(col, col)
        conditions.append(f"{alias}.{sql.ident(col)} = {staged}.{sql.ident(staged_col)}")
    return " AND ".join(conditions)


# --- the fast path -----------------------------------------------------------------------


def _fast_path_applies(store: CustomerStore, plan: _Plan) -> bool:
    if plan.file_format != "csv" or plan.mapping is not None:
        return False
    table, _ = _targets(plan, lambda name: name)
    condition = f"source = {sql.literal(plan.source)}"
    if table == "events":
        condition += f" AND kind = {sql.literal(_EVENT_KINDS[plan.kind])}"
    return not store.count(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {condition} LIMIT 1)"
    )


def _fast_import(store: CustomerStore, plan: _Plan) -> ImportSummary:
    layout = plan.layout
    types = {
        name: (layout.column(name).sql_type if name in layout.names else "VARCHAR")
        for name in plan.file_columns
    }
    rejects = f"_overture_fast_{plan.import_id}"
    _drop_rejects(store, rejects)
    reader = sql.reader(
        str(plan.path), "csv", columns=types, encoding=plan.encoding, rejects=rejects
    )

    def value(name: str) -> str:
        if plan.fields[name].source is None:
            return "NULL"
        column = sql.ident(name)
        # Our own layout is written by programs: values are taken as written (trimming every
        # field would cost a third of the import); an empty field is missing.
        return f"nullif({column}, '')" if types[name] == "VARCHAR" else column

    table, pairs = _targets(plan, value)
    columns = ", ".join(sql.ident(name) for name, _ in pairs)
    select = ", ".join(expr for _, expr in pairs)
    # On failure the transaction's rollback removes the rejects tables with everything else.
    loaded = store.count(f"INSERT INTO {table} ({columns}) SELECT {select} FROM {reader}")
    if not loaded:
        raise _Redo  # the careful path says why no row could be stored
    stored = dict(pairs)
    checks: list[str] = []
    for column in layout.columns:
        target = _stored_column(plan, column.name, stored)
        if target is None:
            continue
        if column.required:
            checks.append(f"{target} IS NULL")
        if column.choices:
            checks.append(f"{target} NOT IN {sql.in_list(column.choices)}")
    mine = f"import_id = {sql.literal(plan.import_id)}"
    if checks and store.count(
        f"SELECT count(*) FROM {table} WHERE {mine} AND ({' OR '.join(checks)})"
    ):
        raise _Redo
    key = "contact_id" if table == "contacts" else "event_id"
    if table == "consents":
        key = "(contact_id, channel, purpose, status, recorded_at)"
    if store.count(f"SELECT count(*) - count(DISTINCT {key}) FROM {table} WHERE {mine}"):
        raise _Redo
    # Lines the reader could not parse (a broken date, a short line, bad encoding) were
    # never stored: they go to quarantine with the line the reader reports.
    rejected = len(_quarantine_rejects(store, plan, rejects))
    _drop_rejects(store, rejects)
    return ImportSummary(
        plan.import_id,
        plan.kind,
        plan.source,
        str(plan.path),
        rows_read=loaded + rejected,
        loaded=loaded,
        updated=0,
        already_present=0,
        quarantined=rejected,
        already_imported=False,
        reasons=_reasons(store, plan.import_id),
    )


def _stored_column(plan: _Plan, name: str, stored: dict[str, str]) -> str | None:
    if plan.kind is Kind.PURCHASES and name == "order_id":
        return "event_id"
    if plan.kind is Kind.CONSENTS and name == "source":
        return "proof"
    return sql.ident(name) if name in stored else None


def _drop_rejects(store: CustomerStore, rejects: str) -> None:
    store.execute(f"DROP TABLE IF EXISTS {rejects}_errors")
    store.execute(f"DROP TABLE IF EXISTS {rejects}_scans")


# --- the careful path --------------------------------------------------------------------


def _careful_import(store: CustomerStore, plan: _Plan) -> ImportSummary:
    stage = f"_overture_stage_{plan.import_id}"
    rejects = f"_overture_careful_{plan.import_id}"
    use_rejects = plan.file_format == "csv"
    if use_rejects:
        _drop_rejects(store, rejects)
    reader = sql.reader(
        str(plan.path),
        plan.file_format,
        encoding=plan.encoding,
        rejects=rejects if use_rejects else None,
    )
    try:
        store.execute(_stage_sql(plan, stage, reader))
    except StoreError as error:
        raise UsageError(
            f"cannot read {plan.path} as {plan.file_format}: {error.message}",
            "fix the file at the line named above, or export it again",
        ) from error
    summary = _store_staged(store, plan, stage, rejects if use_rejects else None)
    store.execute(f"DROP TABLE {stage}")
    if use_rejects:
        _drop_rejects(store, rejects)
    return summary


def _stage_sql(plan: _Plan, stage: str, reader: str) -> str:
    layout = plan.layout
    texts = [
        f"{sql.text_value(f.source, f.constant, f.values)} AS {sql.ident(name + '__text')}"
        for name, f in plan.fields.items()
    ]
    typed: list[str] = []
    problems: list[tuple[str, str]] = []
    for column in layout.columns:
        text = sql.ident(column.name + "__text")
        value = sql.typed_value(text, column.sql_type, plan.fields[column.name].text_format)
        typed.append(f"{value} AS {sql.ident(column.name)}")
        problems += sql.value_problem(
            column.name,
            text,
            value,
            required=column.required,
            sql_type=column.sql_type,
            choices=column.choices,
        )
    problem = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in problems) + " END"
    key = ", ".join(sql.ident(name) for name in layout.key)
    duplicate = sql.literal(f"duplicate {' + '.join(layout.key)} in this file")
    record = sql.struct_text(plan.file_columns)
    return f"""
        CREATE TEMP TABLE {stage} AS
        WITH src AS (SELECT row_number() OVER () AS _row, * FROM {reader}),
        txt AS (SELECT _row, {record} AS _record, {", ".join(texts)} FROM src),
        checked AS (SELECT _row, _record, {", ".join(typed)}, {problem} AS _problem FROM txt),
        judged AS (
            SELECT * EXCLUDE (_problem),
                CASE WHEN _problem IS NULL AND row_number() OVER (
                    PARTITION BY _problem IS NULL, {key} ORDER BY _row) > 1
                THEN {duplicate} ELSE _problem END AS _problem
            FROM checked)
        -- Only quarantined rows keep their raw text: the stage stays the size of the data.
        SELECT * EXCLUDE (_record),
            CASE WHEN _problem IS NOT NULL THEN _record END AS _record
        FROM judged
    """


def _store_staged(
    store: CustomerStore, plan: _Plan, stage: str, rejects: str | None
) -> ImportSummary:
    table, pairs = _targets(plan, lambda name: f"s.{sql.ident(name)}")
    columns = ", ".join(sql.ident(name) for name, _ in pairs)
    select = ", ".join(expr for _, expr in pairs)
    exists = f"EXISTS (SELECT 1 FROM {table} t WHERE {_key_match(plan, table, 't', 's')})"
    staged = store.count(f"SELECT count(*) FROM {stage}")
    valid = store.count(f"SELECT count(*) FROM {stage} WHERE _problem IS NULL")
    updated = already = 0
    if table == "contacts":
        same = " AND ".join(
            f"t.{sql.ident(n)} IS NOT DISTINCT FROM s.{sql.ident(n)}" for n in plan.layout.names
        )
        existing = store.count(
            f"SELECT count(*) FROM {stage} s WHERE s._problem IS NULL AND {exists}"
        )
        already = store.count(
            f"SELECT count(*) FROM {stage} s WHERE s._problem IS NULL AND EXISTS "
            f"(SELECT 1 FROM contacts t WHERE {_key_match(plan, table, 't', 's')} AND {same})"
        )
        updated = existing - already
        store.execute(
            f"DELETE FROM contacts t WHERE t.source = {sql.literal(plan.source)} AND "
            f"t.contact_id IN (SELECT contact_id FROM {stage} WHERE _problem IS NULL)"
        )
        inserted = store.count(
            f"INSERT INTO contacts ({columns}) SELECT {select} FROM {stage} s "
            "WHERE s._problem IS NULL"
        )
        loaded = inserted - existing
    else:
        loaded = store.count(
            f"INSERT INTO {table} ({columns}) SELECT {select} FROM {stage} s "
            f"WHERE s._problem IS NULL AND NOT {exists}"
        )
        already = valid - loaded
    quarantined = _quarantine(store, plan, stage, rejects)
    summary = ImportSummary(
        plan.import_id,
        plan.kind,
        plan.source,
        str(plan.path),
        rows_read=staged + (quarantined - (staged - valid)),
        loaded=loaded,
        updated=updated,
        already_present=already,
        quarantined=quarantined,
        already_imported=False,
        reasons=_reasons(store, plan.import_id),
    )
    if valid == 0 and quarantined:
        top = "; ".join(f"{reason} ({n} rows)" for reason, n in summary.reasons[:3])
        raise UsageError(
            f"no row of {plan.path} could be stored: {top}",
            "fix the file (or its --encoding / --mapping) and import it again",
        )
    return summary


def _head(plan: _Plan) -> str:
    return ", ".join(sql.literal(v) for v in (plan.import_id, plan.kind.value, str(plan.path)))


def _wanted_type(layout: Layout) -> str:
    """SQL naming, for a reader's ``column_name``, what its values should look like."""
    cases = " ".join(
        f"WHEN {sql.literal(c.name)} THEN {sql.literal(sql.readable_type(c.sql_type))}"
        for c in layout.columns
        if c.sql_type != "VARCHAR"
    )
    return f"(CASE column_name {cases} ELSE 'its type' END)"


def _quarantine_rejects(store: CustomerStore, plan: _Plan, rejects: str) -> list[int]:
    """Quarantine the lines the CSV reader rejected; return their line numbers, sorted."""
    encoding_reason = (
        f"not valid {plan.encoding} text (re-save the file as UTF-8, or pass --encoding latin-1)"
    )
    lines = sorted(
        int(str(row[0])) for row in store.rows(f"SELECT DISTINCT line FROM {rejects}_errors")
    )
    # The reader reports a short line once per missing column: keep one row per line.
    store.execute(
        f"""INSERT INTO quarantine SELECT {_head(plan)}, line,
            min(CASE error_type
                WHEN 'INVALID ENCODING' THEN {sql.literal(encoding_reason)}
                WHEN 'CAST' THEN column_name || ': cannot read '
                    || regexp_extract(error_message, 'Could not convert string "(.*)" to', 1)
                    || ' as ' || {_wanted_type(plan.layout)}
                ELSE lower(error_type) || ': ' || error_message END),
            any_value(csv_line)
        FROM {rejects}_errors GROUP BY line"""
    )
    return lines


def _quarantine(store: CustomerStore, plan: _Plan, stage: str, rejects: str | None) -> int:
    head = _head(plan)
    reject_lines = _quarantine_rejects(store, plan, rejects) if rejects is not None else []
    rows = store.rows(f"SELECT _row FROM {stage} WHERE _problem IS NOT NULL ORDER BY _row")
    header = 1 if plan.file_format == "csv" else 0
    lines = _physical_lines([int(str(row[0])) for row in rows], reject_lines, header)
    if rows:
        store.execute(
            "CREATE TEMP TABLE _overture_lines AS SELECT * FROM (VALUES "
            + ", ".join(f"({int(str(r[0]))}, {line})" for r, line in zip(rows, lines, strict=True))
            + ") AS v(_row, line)"
        )
        store.execute(
            f"""INSERT INTO quarantine SELECT {head}, l.line, s._problem, s._record
            FROM {stage} s JOIN _overture_lines l USING (_row)"""
        )
        store.execute("DROP TABLE _overture_lines")
    return len(rows) + len(reject_lines)


def _physical_lines(rows: list[int], reject_lines: list[int], header: int) -> list[int]:
    """Turn the n-th readable record into its line in the file, skipping rejected lines."""
    lines: list[int] = []
    skipped = 0
    for row in rows:
        line = row + header + skipped
        while skipped < len(reject_lines) and reject_lines[skipped] <= line:
            skipped += 1
            line += 1
        lines.append(line)
    return lines


def _reasons(store: CustomerStore, import_id: str) -> tuple[tuple[str, int], ...]:
    rows = store.rows(
        "SELECT reason, count(*) FROM quarantine WHERE import_id = ? "
        "GROUP BY reason ORDER BY count(*) DESC, reason LIMIT 20",
        [import_id],
    )
    return tuple((str(reason), int(str(n))) for reason, n in rows)


def _record(store: CustomerStore, plan: _Plan, summary: ImportSummary, now: object) -> None:
    store.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            plan.import_id,
            plan.kind.value,
            plan.source,
            str(plan.path),
            plan.fingerprint,
            plan.mapping.name if plan.mapping else None,
            summary.rows_read,
            summary.loaded + summary.updated,
            summary.already_present,
            summary.quarantined,
            now,
        ],
    )
