"""The example configurations in data/real_world/examples are `geolage init` output, and they validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from geolage.cli import main
from geolage.config import read_config
from geolage.init import init_config

REAL = Path(__file__).resolve().parent.parent / "data" / "real_world"
EXAMPLES = {
    "memphis": ([REAL / "memphis" / "memphis_robberies_2019.csv"], {}, "Memphis robberies 2019"),
    "cincinnati": ([REAL / "cincinnati" / "cincinnati_burglary_2017.csv"], {}, "Cincinnati burglary 2017"),
    "manchester": ([REAL / "manchester" / "manchester_burglary_2017.csv"],
                   {"districts": REAL / "manchester" / "manchester_lsoa_2011.gpkg",
                    "population": REAL / "manchester" / "manchester_lsoa_population_2011.csv"},
                   "Manchester burglary 2017"),
}
#: Vancouver's neighbourhoods are names on the incidents: init draws the polygons (--districts-from).
VANCOUVER = ([REAL / "vancouver" / "vancouver_crime_2020.csv"],
             {"crs": "EPSG:26910", "districts_from": "NEIGHBOURHOOD"}, "Vancouver crime 2020")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_is_init_output(name):
    """Zero edited lines: the example is exactly what init writes (but the date in its first line)."""
    files, kw, title = EXAMPLES[name]
    path = REAL / "examples" / f"{name}.toml"
    text, _ = init_config(files, out=path, name=title, language="en", **kw)
    assert text.splitlines()[1:] == path.read_text(encoding="utf-8").splitlines()[1:]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates(name, tmp_path, capsys):
    path = REAL / "examples" / f"{name}.toml"
    cfg = read_config(path)
    assert cfg.project.language == "en"
    assert main(["validate", str(path), "--rejects", str(tmp_path / "rejects.csv"), "-q"]) == 0
    out = capsys.readouterr().out
    expected = {"memphis": "2245 ", "cincinnati": "2030 ", "manchester": "8144 "}[name]
    assert expected in out


def test_vancouver_example_is_init_output_with_drawn_districts(tmp_path):
    """The example and its district layer are what `init --crs EPSG:26910 --districts-from NEIGHBOURHOOD` writes."""
    import geopandas as gpd

    files, kw, title = VANCOUVER
    example = REAL / "examples" / "vancouver.toml"
    out = tmp_path / "examples" / "vancouver.toml"  # the layer is written beside it, not into the repository
    text, _ = init_config(files, out=out, name=title, language="en", **kw)

    def strip(lines):  # the data path is relative to the config's folder
        return [ln for ln in lines[1:] if not ln.startswith("path = ")]
    assert strip(text.splitlines()) == strip(example.read_text(encoding="utf-8").splitlines())
    assert "TODO" not in text.split("[project]")[1]
    made = gpd.read_file(tmp_path / "examples" / "vancouver_districts.gpkg")
    kept = gpd.read_file(REAL / "examples" / "vancouver_districts.gpkg")
    assert list(made["name"]) == list(kept["name"]) and len(kept) == 24
    assert made.geometry.symmetric_difference(kept.geometry).area.max() < 1.0  # m²
    cfg = read_config(example)
    assert cfg.districts is not None and cfg.project.crs == "EPSG:26910"
