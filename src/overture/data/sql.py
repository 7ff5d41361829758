"""Small pure functions that build the SQL of the customer store.

Nothing here touches a connection: each function takes names and values and returns text,
so the statements can be read, tested and traced on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "APPLE_PROXY_USER_AGENT",
    "ident",
    "in_list",
    "literal",
    "machine_open",
    "normalized_email",
    "readable_type",
    "reader",
    "struct_text",
    "text_value",
    "typed_value",
    "value_problem",
]


_READABLE_TYPES = {
    "TIMESTAMPTZ": "a time (ISO 8601, e.g. 2026-01-05T14:03:00+00:00)",
    "DECIMAL": "a number",
    "DOUBLE": "a number",
    "BIGINT": "a whole number",
}


def readable_type(sql_type: str) -> str:
    """What a value of ``sql_type`` should look like, in words for a person."""
    return _READABLE_TYPES.get(sql_type.split("(", maxsplit=1)[0], sql_type)


def ident(name: str) -> str:
    """A quoted identifier: ``"Email Address"``."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted string literal."""
    return "'" + value.replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` for an IN clause."""
    return "(" + ", ".join(literal(value) for value in values) + ")"


def reader(
    path: str,
    file_format: str,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
    rejects: str | None = None,
) -> str:
    """A table function reading ``path``; CSV keeps unreadable lines in ``rejects`` tables.

    ``columns`` fixes every column's type (the CSV's own order); without it CSV and JSON
    columns are read as text, so the importer decides what a bad value is.
    """
    if file_format == "parquet":
        return f"read_parquet({literal(path)})"
    spec = ""
    if columns is not None:
        spec = "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in columns.items()) + "}"
    if file_format == "json":
        typed = f", columns = {spec}" if spec else ""
        # Read every line to learn the keys: one that first appears late must not be dropped.
        return f"read_json({literal(path)}, format = 'newline_delimited', sample_size = -1{typed})"
    # Quote and escape stated, not sniffed: a sample without quoted fields would otherwise
    # split a later quoted user agent at its commas.
    options = [
        literal(path),
        "header = true",
        f"encoding = {literal(encoding)}",
        "quote = '\"'",
        "escape = '\"'",
    ]
    options.append(f"columns = {spec}" if spec else "all_varchar = true")
    if rejects is not None:
        options += [
            "store_rejects = true",
            f"rejects_table = {literal(rejects + '_errors')}",
            f"rejects_scan = {literal(rejects + '_scans')}",
        ]
    return "read_csv(" + ", ".join(options) + ")"


def text_value(source: str | None, constant: str | None, value_map: Mapping[str, str]) -> str:
    """The trimmed text of a field (NULL when empty), after the mapping's value renames."""
    if constant is not None:
        return literal(constant)
    if source is None:
        return "CAST(NULL AS VARCHAR)"
    text = f"nullif(trim(CAST({ident(source)} AS VARCHAR)), '')"
    if not value_map:
        return text
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in value_map.items())
    return f"(CASE {text} {cases} ELSE {text} END)"


def typed_value(text: str, sql_type: str, text_format: str | None) -> str:
    """``text`` converted to ``sql_type``; NULL when it cannot be read."""
    if sql_type == "VARCHAR":
        return text
    if text_format == "epoch":
        return f"to_timestamp(try_cast({text} AS DOUBLE))"
    if text_format == "epoch_ms":
        return f"to_timestamp(try_cast({text} AS DOUBLE) / 1000)"
    if text_format is not None:
        return f"CAST(try_strptime({text}, {literal(text_format)}) AS {sql_type})"
    return f"try_cast({text} AS {sql_type})"


def value_problem(
    name: str,
    text: str,
    typed: str,
    *,
    required: bool,
    sql_type: str,
    choices: tuple[str, ...],
) -> list[tuple[str, str]]:
    """(condition, reason) pairs that make a field unacceptable, in the order checked."""
    checks: list[tuple[str, str]] = []
    if required:
        checks.append((f"{text} IS NULL", literal(f"missing {name}")))
    if sql_type != "VARCHAR":
        wanted = readable_type(sql_type)
        reason = f"{literal(name + ': cannot read ')} || {text} || {literal(' as ' + wanted)}"
        checks.append((f"{text} IS NOT NULL AND {typed} IS NULL", reason))
    if choices:
        expected = literal(f" (expected one of {', '.join(choices)})")
        reason = f"{literal(name + ': unknown value ')} || {text} || {expected}"
        checks.append((f"{typed} IS NOT NULL AND {typed} NOT IN {in_list(choices)}", reason))
    return checks


def struct_text(columns: Iterable[str]) -> str:
    """The raw record as short text for the quarantine: ``{col: value, ...}``."""
    parts = ", ".join(f"{literal(c)}: CAST({ident(c)} AS VARCHAR)" for c in columns)
    return f"CAST({{{parts}}} AS VARCHAR)" if parts else "''"


def normalized_email(expr: str) -> str:
    """Lower-case and trim; for Gmail, drop dots and ``+tags`` that reach the same box."""
    low = f"lower(trim({expr}))"
    local = f"split_part({low}, '@', 1)"
    domain = f"split_part({low}, '@', 2)"
    gmail_local = f"replace(split_part({local}, '+', 1), '.', '')"
    return (
        f"CASE WHEN {expr} IS NULL OR trim({expr}) = '' THEN NULL "
        f"WHEN {domain} IN ('gmail.com', 'googlemail.com') THEN {gmail_local} || '@gmail.com' "
        f"ELSE {low} END"
    )


APPLE_PROXY_USER_AGENT = "Mozilla/5.0"
"""What Apple Mail Privacy Protection's prefetch sends: this string, nothing after it."""


def machine_open(open_alias: str, delivered_at: str, window_seconds: str) -> str:
    """SQL true when the open row ``open_alias`` was made by a machine, not a reader.

    A bare ``Mozilla/5.0`` from Apple's 17.0.0.0/8 is the Mail Privacy Protection proxy; an
    open within ``window_seconds`` of delivery is a prefetch or a security scanner. Gmail's
    image proxy ("GoogleImageProxy") fetches when the person opens: it stays human.
    """
    o = open_alias
    return (
        f"(coalesce({o}.user_agent = {literal(APPLE_PROXY_USER_AGENT)} "
        f"AND regexp_matches({o}.ip, '^17\\.'), false) "
        f"OR coalesce({o}.occurred_at >= {delivered_at} AND {o}.occurred_at < "
        f"{delivered_at} + to_seconds({window_seconds}), false))"
    )
