"""Configuration problems in the run's language: the config's ``project.language`` or ``--language``.

Every configuration mistake of the bad-input corpus (``tests/bad_input/generate.py``) that is found
before any data is read has a Swedish message; ``geolage`` prints it in Swedish runs (``geolage: fel:``),
in English with ``--language en`` (which wins over the config).
"""

from __future__ import annotations

import re

from bad_input.generate import Error, Project, cases

from geolage.cli import main
from geolage.config import read_config
from geolage.errors import ConfigError, Problem, problems_error
from geolage.preflight import check_run_size
from geolage.text.problems import in_swedish

#: English words that give a message away as untranslated.
ENGLISH = re.compile(r"\b(needs|got|set it|gives|cells over|is shorter|is larger|is above|swap|unknown key|"
                     r"missing key|file not found|expected one of|problems in the configuration)\b")


def test_every_config_problem_of_the_corpus_has_swedish_words(tmp_path):
    found = []
    for case in cases():
        if not isinstance(case.outcome, Error):
            continue
        config = case.make().write(tmp_path / case.kind)
        try:
            check_run_size(read_config(config))
        except ConfigError as exc:
            english, swedish = str(exc), exc.in_language("sv")
            assert swedish != english, case.kind
            assert not ENGLISH.search(swedish), (case.kind, swedish)
            assert exc.in_language("en") == english
            keys = [f for f in case.outcome.fragments if re.fullmatch(r"[a-z_]+\.[a-z_]+|sources\[0\][.a-z]*", f)]
            for key in keys:  # keys stay as given
                assert key in swedish, (case.kind, key, swedish)
            found.append(case.kind)
    assert len(found) >= 40 and "crs_unknown_code" in found and "grid_cell_one_metre" in found


def test_cli_prints_config_problems_in_the_configs_language(tmp_path, capsys):
    sv = Project(extra="[hotspots]\npermutations = \"many\"\n[density]\nbandwith = 3\n").write(tmp_path / "sv")
    assert main(["validate", str(sv), "--rejects", str(tmp_path / "r.csv"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geolage: fel: ")
    assert "okänd nyckel 'density.bandwith'" in err and "2 problem i konfigurationen" in err
    assert "'hotspots.permutations' behöver vara ett heltal; angivet: 'many'" in err
    assert not ENGLISH.search(err), err
    # the config says English: English; --language wins over the config
    en = tmp_path / "en.toml"
    en.write_text(sv.read_text(encoding="utf-8").replace("[project]\n", "[project]\nlanguage = \"en\"\n"), "utf-8")
    en.with_name("omraden.gpkg").write_bytes((tmp_path / "sv" / "omraden.gpkg").read_bytes())
    assert main(["validate", str(en), "--rejects", str(tmp_path / "r2.csv"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geolage: error: ") and "unknown key 'density.bandwith'" in err
    assert main(["validate", str(en), "--rejects", str(tmp_path / "r3.csv"), "-q", "--language", "sv"]) == 2
    assert "okänd nyckel" in capsys.readouterr().err


def test_problems_error_joins_each_language():
    err = problems_error(None, [Problem("'a' needs to be 1", "'a' behöver vara 1"),
                                "'b' needs to be an integer; got 'x'"])
    assert str(err) == ("2 problems in the configuration:\n  - 'a' needs to be 1\n"
                        "  - 'b' needs to be an integer; got 'x'")
    assert err.in_language("sv") == ("2 problem i konfigurationen:\n  - 'a' behöver vara 1\n"
                                     "  - 'b' behöver vara ett heltal; angivet: 'x'")
    assert in_swedish("something new") == "something new"  # an unknown pattern stays as it is


def test_an_input_file_error_is_in_the_runs_language(tmp_path, capsys):
    """A file's error is one line in the run's language, with the file named, in either language."""
    config = Project(rows=[]).write(tmp_path / "p")  # header only
    assert main(["validate", str(config), "--rejects", str(tmp_path / "r.csv"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geolage: fel: ") and err.count("\n") == 1
    assert "brott.csv: källan 'polis' har inga datarader" in err and "no data rows" not in err
    assert main(["validate", str(config), "--rejects", str(tmp_path / "r.csv"), "-q", "--language", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geolage: error: ") and "brott.csv: source 'polis' has no data rows" in err


def test_validation_warnings_are_in_the_runs_language(tmp_path, caplog):
    """Rows sharing an id but differing are kept and reported in the run's language."""
    from bad_input.generate import _repeat_ids, _with_rows

    config = _with_rows(_repeat_ids)().write(tmp_path / "p")
    for language, words in (("sv", "rader delar 10 id i kolumnen 'id' men skiljer sig åt"),
                            ("en", "rows share 10 id(s) in column 'id' but differ")):
        caplog.clear()
        main(["validate", str(config), "--rejects", str(tmp_path / f"r_{language}.csv"), "-q",
              "--language", language])
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any(words in w for w in warnings), warnings
