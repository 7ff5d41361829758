"""Overture's own import layouts: for each kind of file, its columns, types and rules.

The layouts are described for people in ``docs/data-formats.md``; this module is the same
contract for the importer. Mapping files translate other tools' exports onto these columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LAYOUTS", "Column", "Kind", "Layout", "layout_for"]


class Kind(StrEnum):
    """What a file holds."""

    CRM_CONTACTS = "crm-contacts"
    CONSENTS = "consents"
    EMAIL_EVENTS = "email-events"
    PURCHASES = "purchases"
    WEB_EVENTS = "web-events"
    AD_EVENTS = "ad-events"


@dataclass(frozen=True)
class Column:
    """One column of a layout. ``sql_type`` is the DuckDB type a value must cast to."""

    name: str
    sql_type: str = "VARCHAR"
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of file and the natural key that makes a row unique."""

    kind: Kind
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, in layout order."""
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a file must have."""
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(column for column in self.columns if column.name == name)


_TS = "TIMESTAMPTZ"
_EMAIL_TYPES = ("sent", "delivered", "bounced", "opened", "clicked", "unsubscribed", "complained")
_LEGAL_BASES = (
    "express_consent",
    "implied_purchase",
    "implied_inquiry",
    "legitimate_interest",
    "soft_opt_in",
)

LAYOUTS: dict[Kind, Layout] = {
    Kind.CRM_CONTACTS: Layout(
        Kind.CRM_CONTACTS,
        (
            Column("contact_id", required=True),
            Column("email"),
            Column("first_name"),
            Column("last_name"),
            Column("phone"),
            Column("locale"),
            Column("time_zone"),
            Column("country"),
            Column("region"),
            Column("signup_source"),
            Column("created_at", _TS, required=True),
            # Optional identity fields beyond the shared layout: they help matching.
            Column("birth_date"),
            Column("street_number"),
            Column("address_1"),
            Column("address_2"),
            Column("city"),
            Column("postcode"),
            Column("state"),
            Column("national_id"),
        ),
        ("contact_id",),
    ),
    Kind.CONSENTS: Layout(
        Kind.CONSENTS,
        (
            Column("contact_id", required=True),
            Column("channel", required=True),
            Column("purpose", required=True),
            Column("legal_basis", required=True, choices=_LEGAL_BASES),
            Column("status", required=True, choices=("given", "withdrawn")),
            Column("recorded_at", _TS, required=True),
            Column("expires_at", _TS),
            Column("source"),
        ),
        ("contact_id", "channel", "purpose", "status", "recorded_at"),
    ),
    Kind.EMAIL_EVENTS: Layout(
        Kind.EMAIL_EVENTS,
        (
            Column("event_id", required=True),
            Column("contact_id", required=True),
            Column("email"),
            Column("campaign_id", required=True),
            Column("event_type", required=True, choices=_EMAIL_TYPES),
            Column("occurred_at", _TS, required=True),
            Column("subject"),
            Column("arm"),
            Column("user_agent"),
            Column("ip"),
            Column("url"),
            Column("bounce_type", choices=("hard", "soft")),
        ),
        ("event_id",),
    ),
    Kind.PURCHASES: Layout(
        Kind.PURCHASES,
        (
            Column("order_id", required=True),
            Column("contact_id", required=True),
            Column("email"),
            Column("amount", "DECIMAL(18, 2)", required=True),
            Column("currency"),
            Column("occurred_at", _TS, required=True),
        ),
        ("order_id",),
    ),
    Kind.WEB_EVENTS: Layout(
        Kind.WEB_EVENTS,
        (
            Column("event_id", required=True),
            Column("contact_id"),
            Column("anonymous_id"),
            Column("event_type", required=True),
            Column("url"),
            Column("occurred_at", _TS, required=True),
        ),
        ("event_id",),
    ),
    Kind.AD_EVENTS: Layout(
        Kind.AD_EVENTS,
        (
            Column("event_id", required=True),
            Column("contact_id"),
            Column("campaign_id", required=True),
            Column("event_type", required=True, choices=("impression", "click", "spend")),
            Column("amount", "DECIMAL(18, 2)"),
            Column("currency"),
            Column("occurred_at", _TS, required=True),
        ),
        ("event_id",),
    ),
}


def layout_for(kind: Kind) -> Layout:
    """The layout of ``kind``."""
    return LAYOUTS[kind]
