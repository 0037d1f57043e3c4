"""Configuration: bad configs get one clear error naming the key; good ones load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geolage.config import read_config
from geolage.errors import ConfigError


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# ---------------------------------------------------------------- inputs
def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        read_config(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[project\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config(p)


def test_unknown_key_names_key_and_expected(tiny_project):
    _edit(tiny_project, "seed = 1", "seed = 1\ncolour = 'red'")
    with pytest.raises(ConfigError, match=r"unknown key 'project.colour'; expected one of: .*language"):
        read_config(tiny_project)


def test_wrong_type(tiny_project):
    _edit(tiny_project, "seed = 1", 'seed = "one"')
    with pytest.raises(ConfigError, match=r"'project.seed' needs to be an integer; got 'one'"):
        read_config(tiny_project)


def test_wrong_literal(tiny_project):
    _edit(tiny_project, "seed = 1", 'seed = 1\nlanguage = "de"')
    with pytest.raises(ConfigError, match=r"'project.language' needs to be one of 'sv', 'en'; got 'de'"):
        read_config(tiny_project)


def test_missing_required_key(tiny_project):
    _edit(tiny_project, 'id_field = "omr_id"\n', "")
    with pytest.raises(ConfigError, match=r"missing key 'districts.id_field'"):
        read_config(tiny_project)


def test_missing_input_file(tiny_project):
    _edit(tiny_project, 'path = "brott.csv"', 'path = "saknas.csv"')
    with pytest.raises(ConfigError, match=r"sources\[0\] \('polis'\).path': file not found: .*saknas.csv"):
        read_config(tiny_project)


def test_unknown_target_category(tiny_project):
    _edit(tiny_project, '"S" = "stold"', '"S" = "snatteri"')
    with pytest.raises(ConfigError, match=r"maps to unknown category 'snatteri'"):
        read_config(tiny_project)


def test_both_coordinate_pairs(tiny_project):
    _edit(tiny_project, 'y = "y"', 'y = "y"\nlon = "x"\nlat = "y"')
    with pytest.raises(ConfigError, match="either x and y, or lon and lat"):
        read_config(tiny_project)


def test_periods_reversed(tiny_project):
    _edit(tiny_project, "start = 2020-01-01", "start = 2026-01-01")
    with pytest.raises(ConfigError, match=r"'periods.start' \(2026-01-01\) is after 'periods.end'"):
        read_config(tiny_project)


def test_all_problems_reported_at_once(tiny_project):
    _edit(tiny_project, "seed = 1", 'seed = "x"\nfoo = 1')
    with pytest.raises(ConfigError, match=r"2 problems in the configuration"):
        read_config(tiny_project)


def test_rule_problems_of_every_section_reported_at_once(tiny_project):
    _edit(tiny_project, "start = 2020-01-01", "start = 2026-01-01")
    _edit(tiny_project, '"S" = "stold"', '"S" = "snatteri"')
    path = _edit(tiny_project, "end = 2024-12-31", "end = 2024-12-31\n[output]\nmin_count = 0\n"
                 "[near_repeat]\ntime_bands = [7, 0]")
    with pytest.raises(ConfigError, match=r"4 problems in the configuration") as err:
        read_config(path)
    lines = str(err.value).splitlines()[1:]
    keys = ["sources[0] ('polis').categories.S", "periods.start", "output.min_count", "near_repeat.time_bands"]
    assert [line.startswith(f"  - '{key}'") for line, key in zip(lines, keys)] == [True] * 4


# ---------------------------------------------------------------- outputs
def test_good_config_loads(tiny_project):
    cfg = read_config(tiny_project)
    assert cfg.project.as_of == dt.date(2025, 6, 30)
    assert cfg.sources[0].path == tiny_project.parent / "brott.csv"
    assert cfg.sources[0].resolved_format() == "csv"
    assert cfg.sources[0].columns.text == ("text",)
    assert cfg.grid.cell_size == "auto"
    assert cfg.output.mode == "public" and cfg.output.min_count == 5
    d = cfg.to_dict()
    assert d["project"]["as_of"] == "2025-06-30"
    assert d["sources"][0]["path"].endswith("brott.csv")


def test_from_to_aliases(tiny_project):
    _edit(tiny_project, 'datetime = "tid"', 'from = "tid"\nto = "tid"')
    cfg = read_config(tiny_project)
    assert cfg.sources[0].columns.time_from == "tid"
    assert cfg.sources[0].columns.time_to == "tid"
