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


# ---------------------------------------------------------------- value ranges (issue 15)
def test_every_range_problem_reported_at_once_before_data(tiny_project):
    text = tiny_project.read_text(encoding="utf-8") + (
        "\n[density]\nbandwidth = -500\n[statistics]\nconfidence = 1.5\n"
        "[hotspots]\npermutations = -1\ndistance = 100\n[grid]\ncell_size = 250\n"
    )
    tiny_project.write_text(text.replace("seed = 1", 'seed = 1\ncrs = "EPSG:99999"'), encoding="utf-8")
    (tiny_project.parent / "brott.csv").unlink()  # the data is not read: its absence is one more problem
    with pytest.raises(ConfigError) as err:
        read_config(tiny_project)
    msg = str(err.value)
    assert "6 problems in the configuration" in msg
    for key in ("project.crs", "density.bandwidth", "statistics.confidence", "hotspots.permutations",
                "hotspots.distance", "brott.csv"):
        assert key in msg


@pytest.mark.parametrize(
    ("section", "value", "key"),
    [
        ("[statistics]\nconfidence = 1", "", "statistics.confidence"),
        ("[statistics]\nconfidence = 0.999", None, None),
        ("[hotspots]\npermutations = 0", None, None),
        ("[density]\ncell_size = 1", None, None),
        ("[density]\ncell_size = 0.5", "", "density.cell_size"),
        ("[grid]\ncell_size = 250\n[hotspots]\ndistance = 250", None, None),
        ("[grid]\ncell_size = 250\n[hotspots]\ndistance = 249", "", "hotspots.distance"),
        ("[forecast]\narea_shares = [1.0]", None, None),
        ("[forecast]\narea_shares = []", "", "forecast.area_shares"),
        ("[emerging]\ntime_window = 0", None, None),
    ],
)
def test_range_edges(tiny_project, section, value, key):
    tiny_project.write_text(tiny_project.read_text(encoding="utf-8") + "\n" + section + "\n", encoding="utf-8")
    if key is None:
        read_config(tiny_project)
    else:
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            read_config(tiny_project)


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\\\b", ".dold", " ", "ok..no"])
def test_source_names_unsafe_as_file_names_refused(tiny_project, name):
    _edit(tiny_project, 'name = "polis"', f'name = "{name}"')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.name"):
        read_config(tiny_project)


def test_source_names_with_spaces_and_letters_accepted(tiny_project):
    _edit(tiny_project, 'name = "polis"', 'name = "Polisen Borås-2024"')
    assert read_config(tiny_project).sources[0].name == "Polisen Borås-2024"


def test_run_crs_must_be_projected_metres(tiny_project):
    _edit(tiny_project, "seed = 1", 'seed = 1\ncrs = "EPSG:2274"')  # Tennessee state plane, US feet
    with pytest.raises(ConfigError, match=r"project\.crs.*metres"):
        read_config(tiny_project)


# ---------------------------------------------------------------- size guard (issue 15)
def test_size_guard_refuses_fine_grid_with_estimate_and_fix(tiny_project):
    from geolage.preflight import check_run_size, estimate_run_size

    cfg = read_config(_edit(tiny_project, "end = 2024-12-31", "end = 2024-12-31\n[grid]\ncell_size = 5"))
    est = estimate_run_size(cfg, (370_000, 6_400_000, 373_000, 6_401_000))
    assert est["grid_cells"] == 600 * 200  # 3 km × 1 km in 5 m cells, computed by hand
    assert est["categories"] == 3 and est["periods"] == 5  # misshandel, stold, all; 2020–2024 by year
    with pytest.raises(ConfigError, match=r"grid\.cell_size' = 5 m gives about 120,000 cells .* at least (\d+) m"):
        check_run_size(cfg, memory=10 * est["grid_bytes"] // 100)  # a tenth of what it needs
    check_run_size(cfg, memory=4 * est["grid_bytes"])  # with room to spare it passes


def test_size_guard_refuses_grid_with_too_few_cells(tiny_project):
    from geolage.preflight import check_run_size

    cfg = read_config(_edit(tiny_project, "end = 2024-12-31", "end = 2024-12-31\n[grid]\ncell_size = 1000"))
    with pytest.raises(ConfigError, match=r"only 3 cell\(s\) .* at most 333 m"):
        check_run_size(cfg, memory=1 << 34)


def test_size_guard_raster_limit_is_the_density_steps():
    from geolage.preflight import MAX_RASTER_CELLS
    from geolage.stats.density import MAX_CELLS

    assert MAX_RASTER_CELLS == MAX_CELLS
