"""Every public output is scanned: no incident coordinates, no count under the threshold, no free text.

The run is the hand-built, hostile fixture of ``fixtures_report`` (script tags, an SQL-like
string, a very long name and broken text in names and categories; small counts in every
table; 60 incidents with free text). Each exporter that exists is run in public mode
into one folder, which :func:`geolage.outputs.audit.scan_public_outputs` then scans. An
exporter module that is not there yet is skipped (noted in the test output); a
negative test proves the scan does find leaks in internal outputs.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import pytest
from fixtures_report import make_results

from geolage.outputs.audit import scan_public_outputs
from geolage.outputs.report import find_chromium, write_report
from geolage.outputs.report.charts import without_figures
from geolage.run.disclosure import DEFAULT_COUNT_COLUMNS

MIN_COUNT = 5


def _exporter(module: str, name: str):
    """The exporter function, or None when its module is not written yet."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


def _write_all(results, out: Path, mode: str, *, pdf: bool = False) -> list[str]:
    """Run every available exporter into ``out``; return the names of those that were missing."""
    missing = []
    spatial = _exporter("geolage.outputs.qgis.project", "write_spatial_outputs")
    if spatial is None:
        missing.append("geolage.outputs.qgis.project.write_spatial_outputs")
    else:
        spatial(results, out, mode=mode, language="sv")
    write_map = _exporter("geolage.outputs.map.page", "write_map")
    if write_map is None:
        missing.append("geolage.outputs.map.page.write_map")
    else:
        write_map(results, out / "karta.html", mode=mode, language="sv", background="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing PDF engine is tested in test_report
        write_report(results, out, mode=mode, pdf=pdf)
    return missing


def _scan(results, out: Path):
    counts = set(DEFAULT_COUNT_COLUMNS).union(*(t.count_columns for t in results.tables.values()))
    return scan_public_outputs(out, results.incidents, MIN_COUNT, count_columns=counts,
                               boundaries=[results.districts, results.grid, results.study_area])


@pytest.fixture(scope="module")
def hostile():
    return make_results(hostile=True)


@pytest.fixture(scope="module")
def public_dir(hostile, tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    missing = _write_all(hostile, out, "public")
    return out, missing


def test_public_outputs_reveal_no_incident(public_dir, hostile):
    out, missing = public_dir
    files = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert "rapport.html" in files
    findings = _scan(hostile, out)
    assert findings == [], "\n".join(map(str, findings))
    if missing:
        pytest.skip(f"scanned without exporters not written yet: {', '.join(missing)}")


def test_public_outputs_have_no_running_script_from_input(public_dir):
    out, _ = public_dir
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert '<script>alert("x")</script>' not in text, path.name
        assert "<img src=x onerror=alert(1)>" not in text, path.name


def test_input_results_unchanged_by_public_export(hostile, public_dir):
    assert len(hostile.incidents) == 60
    assert "incident_points" in hostile.tables


@pytest.mark.browser
def test_public_pdf_reveals_no_incident(hostile, tmp_path):
    if find_chromium() is None:
        pytest.skip("chromium not installed")
    with without_figures():
        paths = write_report(hostile, tmp_path, mode="public", pdf=True)
    assert "pdf" in paths
    assert _scan(hostile, tmp_path) == []


def test_scan_flags_internal_outputs(hostile, tmp_path):
    """The scan can fail: the internal report shows counts under 5 (and internal layers show points)."""
    _write_all(hostile, tmp_path, "internal")
    findings = _scan(hostile, tmp_path)
    kinds = {f.kind for f in findings}
    assert "count" in kinds
    by_file = {f.path.name for f in findings}
    assert "rapport.html" in by_file
    if (tmp_path / "lagesbild.gpkg").exists() and "incident_points" in hostile.tables:
        gpkg = {f.kind for f in findings if f.path.name == "lagesbild.gpkg"}
        assert "coordinate" in gpkg, findings
