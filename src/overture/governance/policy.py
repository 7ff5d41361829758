"""The policy file: what agents may do, how much may be sent, when, and what needs a person.

A policy is a TOML file validated into :class:`Policy`. An unknown key, a wrong type or an
impossible value is refused with a :class:`~overture.exceptions.ConfigError` that names the
file, the line, the key and the fix. Without a file of its own a workspace runs under the
shipped default (``default_policy.toml``), which is meant to be safe for a newcomer.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from overture.exceptions import ConfigError, UsageError

__all__ = [
    "POLICY_FILE",
    "POLICY_SETTING",
    "Access",
    "AccessRule",
    "Approvals",
    "ConsentSettings",
    "Copy",
    "Models",
    "Policy",
    "Privacy",
    "QuietHours",
    "Sender",
    "Sends",
    "Spend",
    "check_model",
    "default_policy",
    "load_policy",
    "parse_policy",
    "policy_for_workspace",
]

POLICY_FILE = "policy.toml"
"""A workspace's own policy, in its folder; without it the shipped default applies."""
POLICY_SETTING = "governance.policy"
"""The environment setting naming a policy file, which wins over the workspace's own."""

_STRICT = ConfigDict(frozen=True, extra="forbid")
_NAME = re.compile(r"^[A-Za-z0-9_.:*\-]+$")
Name = Annotated[str, Field(min_length=1, max_length=128)]


def _names(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not _NAME.match(value):
            raise ValueError(
                f"'{value}' is not a name: use letters, digits, '_', '-', '.', ':' or '*'"
            )
    return values


class AccessRule(BaseModel):
    """Agents, tools and objective metrics a rule covers; ``"*"`` covers every one."""

    model_config = _STRICT
    agents: tuple[Name, ...] = ("*",)
    tools: tuple[Name, ...] = ("*",)
    metrics: tuple[Name, ...] = ("*",)
    reason: str = ""
    """Shown when this rule decides (mostly for deny rules)."""

    _check = field_validator("agents", "tools", "metrics")(_names)


class Access(BaseModel):
    """Who may call which tool for which objective. Any matching deny wins over every allow."""

    model_config = _STRICT
    allow: tuple[AccessRule, ...] = ()
    deny: tuple[AccessRule, ...] = ()


class Sends(BaseModel):
    model_config = _STRICT
    max_audience: int = Field(default=50_000, ge=1)
    """A proposed send to more contacts than this is denied."""
    max_per_contact_per_week: int = Field(default=2, ge=1)
    """No contact gets more than this many messages in any 7 days (the send-path guard)."""
    purpose: Name = "newsletter"
    """The purpose a consent must cover when a send does not name one."""


class QuietHours(BaseModel):
    """No message lands between ``start`` and ``end`` in the contact's own time zone."""

    model_config = _STRICT
    enabled: bool = True
    start: time = time(21, 0)
    end: time = time(8, 0)
    default_time_zone: str = "UTC"
    """Used for contacts whose time zone is unknown."""

    @field_validator("default_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value}' is not an IANA time zone (e.g. America/Montreal)"
            ) from None
        return value


class ConsentSettings(BaseModel):
    model_config = _STRICT
    opt_out_countries: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], ...] = ()
    """Countries where marketing email needs no prior consent, only a honoured opt-out
    (CAN-SPAM: ``US``). Empty means a basis is required everywhere, the safe choice."""
    accept_legitimate_interest: bool = True
    """Whether a documented legitimate interest (GDPR Art. 6(1)(f)) is a basis in the EU."""


class Sender(BaseModel):
    """Who the messages come from: CAN-SPAM and CASL require both in every message."""

    model_config = _STRICT
    postal_address: str = ""
    unsubscribe_url: str = ""
    required: bool = True
    """Block every send while the postal address or unsubscribe link is missing."""


class Copy(BaseModel):
    """Words and claims in subject lines and bodies (matched case-insensitively, whole words)."""

    model_config = _STRICT
    blocked: tuple[str, ...] = ()
    """Copy containing any of these is denied."""
    price_terms: tuple[str, ...] = ()
    """Copy mentioning a price needs approval."""
    health_terms: tuple[str, ...] = ()
    """Copy making a health claim needs approval."""


class Approvals(BaseModel):
    """What makes a run stop and wait for a person."""

    model_config = _STRICT
    wait_hours: float = Field(default=24.0, gt=0)
    """How long a gate waits; no answer by then is a rejection."""
    audience_over: int | None = Field(default=5_000, ge=0)
    spend_over_usd: float | None = Field(default=100.0, ge=0)
    new_segment: bool = True
    """The first send to a segment never sent to before."""
    price_claims: bool = True
    health_claims: bool = True
    rehearsal: Literal["wait", "approve", "reject"] = "wait"
    """How a simulated run's gates are answered: ``wait`` for a person like a live run, or
    ``approve`` / ``reject`` each at once by code, recorded and audited as the rehearsal's
    answer. A run on the wall clock always waits for a person, whatever this says."""


class Spend(BaseModel):
    model_config = _STRICT
    max_per_action_usd: float | None = Field(default=1_000.0, ge=0)
    """An action spending more than this is denied outright."""


class Models(BaseModel):
    model_config = _STRICT
    allowed: tuple[str, ...] = ("offline",)
    """Model names (``provider:name``) a run may use; ``*`` patterns allowed."""


class Privacy(BaseModel):
    model_config = _STRICT
    never_to_model: tuple[Name, ...] = ()
    """Customer fields dropped entirely before a model sees a record."""


class Policy(BaseModel):
    """A validated policy file."""

    model_config = _STRICT
    version: Literal[1] = 1
    access: Access = Access(allow=(AccessRule(),))
    sends: Sends = Sends()
    quiet_hours: QuietHours = QuietHours()
    consent: ConsentSettings = ConsentSettings()
    sender: Sender = Sender()
    copy_rules: Copy = Field(default=Copy(), alias="copy")
    approvals: Approvals = Approvals()
    spend: Spend = Spend()
    models: Models = Models()
    privacy: Privacy = Privacy()
    source: str = Field(default="", exclude=True)
    """The file the policy was read from (set by the loader, not written in the file)."""


def parse_policy(text: str, file: str) -> Policy:
    """Validate policy ``text``; ``file`` is named in every error."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise ConfigError(
            f"not valid TOML: {error}",
            "fix the TOML syntax at that line",
            file=file,
            line=int(found.group(1)) if found else None,
        ) from None
    if "source" in raw:
        raise ConfigError(
            "unknown key 'source'",
            "remove it; known keys are listed in docs/governance.md",
            file=file,
            line=_line_of(text, ("source",)),
            key="source",
        )
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        key = ".".join(str(part) for part in loc)
        if first["type"] == "extra_forbidden":
            message, fix = f"unknown key '{loc[-1]}'", _known_keys(loc)
        else:
            message = f"{first['msg']} (got {first.get('input')!r})"
            fix = "correct the value; docs/governance.md describes every key"
        raise ConfigError(message, fix, file=file, line=_line_of(text, loc), key=key) from None
    return policy.model_copy(update={"source": file})


def load_policy(path: Path | str) -> Policy:
    """Read and validate the policy file at ``path``."""
    target = Path(path)
    if not target.is_file():
        raise ConfigError(
            "policy file not found",
            "check the path, or omit it to use the default policy",
            file=str(target),
        )
    return parse_policy(target.read_text(encoding="utf-8"), str(target))


def default_policy() -> Policy:
    """The shipped default policy."""
    text = resources.files("overture.governance").joinpath("default_policy.toml").read_text()
    return parse_policy(text, "default_policy.toml")


def policy_for_workspace(workspace: Path, settings: dict[str, str] | None = None) -> Policy:
    """The policy a run in ``workspace`` obeys: the one named in ``settings``, else the
    workspace's ``policy.toml``, else the default."""
    named = (settings or {}).get(POLICY_SETTING, "").strip()
    if named:
        return load_policy(named)
    own = workspace / POLICY_FILE
    return load_policy(own) if own.is_file() else default_policy()


def check_model(policy: Policy, model: str) -> None:
    """Refuse a model the policy does not allow (``provider:name`` or ``offline``).

    A fallback chain (``a:x,b:y``) is allowed only when each of its models is: a pattern such
    as ``openai:*`` must not let a chain slip another provider in after a comma.
    """
    for name in (part.strip() for part in model.split(",")):
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in policy.models.allowed):
            raise UsageError(
                f"the policy ({policy.source or 'default'}) does not allow the model '{name}'",
                f"add it to [models] allowed, or use one of: {', '.join(policy.models.allowed)}",
            )


def _known_keys(loc: tuple[object, ...]) -> str:
    model: type[BaseModel] = Policy
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next(
            (f for name, f in model.model_fields.items() if (f.alias or name) == part), None
        )
        annotation = field.annotation if field else None
        inner = getattr(annotation, "__args__", (annotation,))[0]
        candidate = inner if isinstance(inner, type) else annotation
        if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
            break
        model = candidate
    known = sorted(f.alias or name for name, f in model.model_fields.items() if name != "source")
    return f"remove it or correct its spelling; known keys here: {', '.join(known)}"


def _line_of(text: str, loc: tuple[object, ...]) -> int | None:
    """The line of the key at ``loc`` (tomllib keeps no positions, so the text is scanned)."""
    lines = text.splitlines()
    keys = [part for part in loc if isinstance(part, str)]
    indexes = [part for part in loc if isinstance(part, int)]
    start, depth = 0, 0
    for cut in range(len(keys), 0, -1):
        table = r"\s*\.\s*".join(re.escape(k) for k in keys[:cut])
        headers = [
            n for n, line in enumerate(lines) if re.match(rf"^\s*\[\[?\s*{table}\s*\]\]?", line)
        ]
        if headers:
            position = indexes[0] if indexes and indexes[0] < len(headers) else 0
            start, depth = headers[position], cut
            break
    rest = keys[depth:]
    if not rest:
        return start + 1
    dotted = r"\s*\.\s*".join(re.escape(k) for k in rest[:1])
    pattern = re.compile(rf"^\s*{dotted}\s*[=.]")
    for number in range(start + (1 if depth else 0), len(lines)):
        if depth and lines[number].lstrip().startswith("["):
            break
        if not depth and lines[number].lstrip().startswith("["):
            break
        if pattern.match(lines[number]):
            return number + 1
    return start + 1 if depth else None
