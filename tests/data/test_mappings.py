"""Mapping files and the presets that ship with Overture."""

from __future__ import annotations

from pathlib import Path

import pytest

from overture.data import Kind, load_mapping, preset_names
from overture.exceptions import ConfigError


def test_presets_cover_two_well_known_exports() -> None:
    assert {"mailchimp-audience", "mailchimp-consents", "sendgrid-events"} <= set(preset_names())
    for name in preset_names():
        mapping = load_mapping(name)
        assert mapping.name == name
    assert load_mapping("sendgrid-events").kind is Kind.EMAIL_EVENTS
    assert load_mapping("sendgrid-events").values["event_type"]["open"] == "opened"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "x"\nkind = = "consents"\n')
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    assert caught.value.file == str(path)
    assert caught.value.line is not None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('name = "x"\nkind = "consents"\nextra = 1\n', "extra"),
        ('name = "x"\nkind = "contacts"\n', "kind"),
        ('name = "x"\nkind = "consents"\n[columns]\nemail = "Email"\n', "columns.email"),
        ('name = "x"\nkind = "consents"\n[formats]\nrecorded_at = "iso"\n', "formats.recorded_at"),
        ('name = "x"\nkind = "consents"\nformat = "xlsx"\n', "format"),
    ],
)
def test_a_wrong_key_is_named_with_the_fix(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_mapping(_write(tmp_path, text))
    assert caught.value.key == key
    assert caught.value.fix


def test_missing_file_and_unknown_preset(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such mapping file"):
        load_mapping(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="no mapping preset called 'hubspot'") as caught:
        load_mapping("hubspot")
    assert "mailchimp-audience" in caught.value.fix
