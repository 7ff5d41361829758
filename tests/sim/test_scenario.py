"""Scenario files: shipped ones load; bad files are refused with the file, line, key and reason."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from overture.exceptions import ConfigError
from overture.sim import Scenario, load_scenario, scenario_names

DOCS = Path(__file__).parents[2] / "docs" / "simulator.md"


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_scenarios_load_and_variants_extend_the_default() -> None:
    assert {"default", "privacy_heavy", "fatigue", "unreachable"} <= set(scenario_names())
    default = load_scenario("default")
    heavy = load_scenario("privacy_heavy")
    assert heavy.name == "privacy_heavy"
    assert heavy.privacy.mpp_share > default.privacy.mpp_share
    assert heavy.audience.regions == default.audience.regions
    assert [a.name for a in load_scenario("unreachable").archetypes] == ["steady"]
    assert load_scenario("fatigue").fatigue.strength > default.fatigue.strength


def test_a_path_loads_and_its_stem_names_it(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "default"\n[privacy]\nmpp_share = 0.2\n', "mine.toml")
    scenario = load_scenario(path)
    assert scenario.name == "mine"
    assert scenario.privacy.mpp_share == 0.2
    named = _write(tmp_path, 'extends = "default"\nname = "given"\n', "other.toml")
    assert load_scenario(str(named)).name == "given"


def test_unknown_knob_names_file_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "default"\n\n[fatigue]\nstrength = 0.1\nstrenght = 2\n')
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.file == str(path)
    assert error.key == "fatigue.strenght"
    assert error.line == 5
    assert "unknown knob 'strenght'" in str(error)
    assert "docs/simulator.md" in error.fix


def test_impossible_value_names_the_key_and_the_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "default"\n[privacy]\nmpp_share = 1.5\n')
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert caught.value.key == "privacy.mpp_share"
    assert caught.value.line == 3
    assert "less than or equal to 1" in str(caught.value)


def test_error_in_an_array_of_tables_points_at_its_entry(tmp_path: Path) -> None:
    text = (
        'extends = "default"\n'
        '[[archetypes]]\nname = "a"\nweight = 1\npeak_hour = 3\n'
        '[[archetypes]]\nname = "b"\nweight = 1\npeak_hour = 25\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_scenario(_write(tmp_path, text))
    assert caught.value.key == "archetypes.1.peak_hour"
    assert caught.value.line == 9


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[privacy]\nmpp_share = 0.9\n", "exceeds the share of Apple Mail users"),
        (
            "[consent]\nmissing_share = 0.6\nwithdrawn_share = 0.3\nexpired_share = 0.2\n",
            "exceed 1",
        ),
        (
            '[[archetypes]]\nname = "a"\nweight = 1\npeak_hour = 3\n'
            '[[archetypes]]\nname = "a"\nweight = 1\npeak_hour = 4\n',
            "unique",
        ),
        ("[subjects.effects]\nemoji = 4.0\n", "beyond ±3"),
        ('[history]\nsend_time_zone = "Mars/Olympus"\n', "not an IANA time zone"),
        ("[audience.clients]\ncarrier_pigeon = 1.0\n", "unknown mail client"),
        ("[audience.signup_sources]\nweb_form = -1.0\n", "greater than 0"),
        ("[timing]\nweekday_profile = [1, 1, 1, 1, 1, 1, 0]\n", "above 0"),
    ],
)
def test_incoherent_values_are_refused(tmp_path: Path, body: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(reason)):
        load_scenario(_write(tmp_path, 'extends = "default"\n' + body))


def test_empty_weight_tables_are_refused(default_scenario: Scenario) -> None:
    raw = default_scenario.model_dump()
    raw["audience"]["signup_sources"] = {}
    with pytest.raises(ValidationError, match="at least one entry"):
        Scenario.model_validate(raw)


def test_bad_region_time_zone_is_refused(tmp_path: Path) -> None:
    text = (
        '[audience]\n[[audience.regions]]\ntime_zone = "Nowhere/City"\ncountry = "CA"\n'
        'region = "QC"\nweight = 1\n'
    )
    with pytest.raises(ConfigError, match="not an IANA time zone") as caught:
        load_scenario(_write(tmp_path, text))
    assert caught.value.key == "audience.regions.0.time_zone"


def test_missing_required_knob(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="required knob is missing") as caught:
        load_scenario(_write(tmp_path, 'description = "nothing else"\n'))
    assert caught.value.key == "audience"


def test_bad_toml_reports_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_scenario(_write(tmp_path, 'extends = "default"\n[privacy\nmpp_share = 0.1\n'))
    assert caught.value.line == 2


def test_missing_files_unknown_names_and_bad_extends(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="scenario file not found"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="no scenario named 'nope'") as caught:
        load_scenario("nope")
    assert "default" in caught.value.fix
    with pytest.raises(ConfigError, match="'extends' must name a scenario"):
        load_scenario(_write(tmp_path, "extends = 3\n"))
    loop = _write(tmp_path, f'extends = "{tmp_path / "loop.toml"}"\n', "loop.toml")
    with pytest.raises(ConfigError, match="loops back"):
        load_scenario(loop)


def test_config_errors_survive_pickling(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_scenario(_write(tmp_path, 'extends = "default"\n[fatigue]\nhalf_life_days = 0\n'))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.file, copy.line, copy.key) == (caught.value.file, 3, "fatigue.half_life_days")


def _knobs(model: type[BaseModel], prefix: str = "") -> list[str]:
    found: list[str] = []
    for name, field in model.model_fields.items():
        found.append(prefix + name)
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))
        for kind in inner:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                found.extend(_knobs(kind, prefix + name + "."))
    return found


def test_every_knob_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        knob
        for knob in _knobs(Scenario)
        if not re.search(rf"`\[*({re.escape(knob)}|{re.escape(knob.rsplit('.', 1)[-1])})\]*`", text)
    ]
    assert not missing, f"docs/simulator.md does not describe {missing}"
