"""The policy file: the default is valid and safe; bad files are refused with file, line, key."""

from __future__ import annotations

from pathlib import Path

import pytest

from overture.exceptions import ConfigError, UsageError
from overture.governance.policy import (
    POLICY_FILE,
    POLICY_SETTING,
    check_model,
    default_policy,
    load_policy,
    parse_policy,
    policy_for_workspace,
)


def test_the_default_policy_is_valid_and_cautious() -> None:
    policy = default_policy()
    assert policy.source == "default_policy.toml"
    assert policy.models.allowed == ("offline",)
    assert policy.sender.required and not policy.sender.postal_address
    assert policy.consent.opt_out_countries == ()
    assert policy.quiet_hours.enabled
    assert policy.approvals.new_segment and policy.approvals.price_claims
    assert "national_id" in policy.privacy.never_to_model


def test_an_empty_file_gets_the_defaults_of_each_section() -> None:
    policy = parse_policy("", "empty.toml")
    assert policy.sends.max_per_contact_per_week == 2
    assert len(policy.access.allow) == 1


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("[sends]\nmax_audiance = 3\n", 2, "sends.max_audiance", "unknown key 'max_audiance'"),
        ("version = 1\n\n[sends]\nmax_audience = -3\n", 4, "sends.max_audience", "greater than"),
        ("[copy]\nblocked = 3\n", 2, "copy.blocked", "valid tuple"),
        ("version = 2\n", 1, "version", "Input should be 1"),
        (
            '[quiet_hours]\nenabled = true\ndefault_time_zone = "Mars/Base"\n',
            3,
            "quiet_hours.default_time_zone",
            "IANA",
        ),
        (
            '[[access.allow]]\nagents = ["a"]\n\n[[access.allow]]\nagents = ["b c"]\n',
            5,
            "access.allow.1.agents",
            "not a name",
        ),
        ('[[access.deny]]\ntool = ["x"]\n', 2, "access.deny.0.tool", "unknown key 'tool'"),
        ("[bogus]\nx = 1\n", 1, "bogus", "unknown key 'bogus'"),
        ('source = "x"\n', 1, "source", "unknown key 'source'"),
        ("[approvals]\nwait_hours = 0\n", 2, "approvals.wait_hours", "greater than 0"),
    ],
)
def test_bad_policies_name_the_file_line_and_key(
    text: str, line: int, key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_policy(text, "team.toml")
    error = raised.value
    assert (error.file, error.line, error.key) == ("team.toml", line, key)
    assert words in str(error)
    assert error.fix


def test_an_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_policy("[sends]\ncap = 1\n", "p.toml")
    assert "max_per_contact_per_week" in raised.value.fix


def test_broken_toml_names_its_line() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_policy("[sends]\nmax_audience = = 3\n", "p.toml")
    assert raised.value.line == 2
    assert "not valid TOML" in str(raised.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_policy(tmp_path / "nope.toml")


def test_which_policy_a_workspace_obeys(tmp_path: Path) -> None:
    assert policy_for_workspace(tmp_path).source == "default_policy.toml"
    own = tmp_path / POLICY_FILE
    own.write_text("[sends]\nmax_per_contact_per_week = 1\n")
    assert policy_for_workspace(tmp_path).sends.max_per_contact_per_week == 1
    named = tmp_path / "other.toml"
    named.write_text("[sends]\nmax_per_contact_per_week = 5\n")
    chosen = policy_for_workspace(tmp_path, {POLICY_SETTING: str(named)})
    assert chosen.sends.max_per_contact_per_week == 5
    assert chosen.source == str(named)


def test_models_outside_the_policy_are_refused() -> None:
    policy = parse_policy('[models]\nallowed = ["offline", "openai:*"]\n', "p.toml")
    check_model(policy, "offline")
    check_model(policy, "openai:gpt-5")
    with pytest.raises(UsageError, match="does not allow the model 'anthropic:claude'"):
        check_model(policy, "anthropic:claude")


def test_a_fallback_chain_is_allowed_only_when_each_model_is() -> None:
    policy = parse_policy('[models]\nallowed = ["offline", "openai:*"]\n', "p.toml")
    check_model(policy, "openai:gpt-5, openai:gpt-5-mini")
    # "openai:*" would match the whole string "openai:x,anthropic:y": each member is checked.
    with pytest.raises(UsageError, match="does not allow the model 'anthropic:claude'"):
        check_model(policy, "openai:gpt-5,anthropic:claude")
