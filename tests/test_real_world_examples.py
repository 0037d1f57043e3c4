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
