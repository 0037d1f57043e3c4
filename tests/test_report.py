"""Tests of geolage.outputs.report: the lägesbild HTML (self-contained, escaped, Brå's sections) and PDF."""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest
from fixtures_report import HOSTILE_CATEGORY, SCRIPT, SQL, make_results

from geolage.outputs.report import find_chromium, render_report_html, write_report
from geolage.outputs.report.charts import without_figures
from geolage.text.format import format_number, format_percent
from geolage.text.report import TEXTS

SECTIONS = ("sec_summary", "sec_data", "sec_time", "sec_compare", "sec_where", "sec_patterns", "sec_deep",
            "sec_forecast", "sec_limits")


class _Tags(HTMLParser):
    """Collect every start tag with its attributes, and the text of h2 headings."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_h2 = tag == "h2"
        if tag == "h2":
            self.h2.append("")

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.h2[-1] += data


def _parse(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    return p


@pytest.fixture
def no_figures():
    """Leave charts and maps out of write_report (they are slow and tested once, in hostile_html)."""
    with without_figures():
        yield


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return render_report_html(make_results(hostile=True), figures=True)


# --------------------------------------------------------------------------- inputs
def test_unknown_mode_raises():
    with pytest.raises(ValueError, match="mode needs to be 'public' or 'internal'; got 'open'"):
        render_report_html(make_results(), mode="open")


def test_unknown_language_raises():
    with pytest.raises(ValueError, match="language needs to be one of sv, en; got 'de'"):
        render_report_html(make_results(), language="de")


# --------------------------------------------------------------------------- numbers
def test_format_number_swedish():
    assert format_number(1234567.25, "sv", 1) == "1\u00a0234\u00a0567,2"
    assert format_number(-3.26, "sv", 1) == "\u22123,3"
    assert format_number(12, "sv") == "12"
    assert format_number(2.1, "sv") == "2,1"
    assert format_number(float("nan"), "sv") == "–"
    assert format_number(None, "sv") == "–"
    assert format_number(-0.01, "sv", 1) == "0,0"


def test_format_number_english():
    assert format_number(1234567.25, "en", 1) == "1,234,567.2"
    assert format_number(-3.26, "en", 1) == "-3.3"


def test_format_percent():
    assert format_percent(12.3, "sv", sign=True) == "+12\u00a0%"
    assert format_percent(0.451, "sv", share=True) == "45\u00a0%"
    assert format_percent(-8.1, "en", 1) == "-8.1%"


# --------------------------------------------------------------------------- html
def test_self_contained(hostile_html):
    p = _parse(hostile_html)
    for tag, attrs in p.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
        src = attrs.get("src")
        if src is not None:
            assert src.startswith("data:image/png;base64,"), (tag, src[:40])
        href = attrs.get("href")
        assert href is None or not re.match(r"(?i)\s*(https?:)?//", href)
    assert not re.search(r"(?i)url\(\s*['\"]?(https?:)?//", hostile_html)
    assert "@import" not in hostile_html


def test_sections_in_order_sv(hostile_html):
    h2 = _parse(hostile_html).h2
    assert [h.split(". ", 1)[1] for h in h2] == [TEXTS[k]["sv"] for k in SECTIONS]


def test_sections_english():
    h2 = _parse(render_report_html(make_results(language="en"), figures=False)).h2
    assert [h.split(". ", 1)[1] for h in h2] == [TEXTS[k]["en"] for k in SECTIONS]
    assert h2[0] == "1. Summary"


def test_hostile_text_escaped(hostile_html):
    p = _parse(hostile_html)
    assert not [t for t, _ in p.tags if t == "script"]
    assert SCRIPT not in hostile_html and HOSTILE_CATEGORY not in hostile_html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in hostile_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_html
    assert not any("onerror" in attrs for _, attrs in p.tags)
    assert "Robert&#39;); DROP TABLE districts;--" in hostile_html
    assert SQL not in hostile_html  # the quote is escaped too
    assert "\x1b" not in hostile_html and "\u202e" not in hostile_html and "\x00" not in hostile_html


def test_long_and_broken_text_written_as_utf8(tmp_path, no_figures):
    paths = write_report(make_results(hostile=True), tmp_path, pdf=False)
    text = paths["html"].read_bytes().decode("utf-8")  # strict: valid UTF-8
    assert "Långnamnsområdet " * 5 in text
    assert "Långnamnsområdet " * 40 not in text  # shortened to a readable length


def test_summary_in_plain_swedish(hostile_html):
    # public mode (issue 10): Norrby's misshandel 2021 is hidden to protect inbrott 2021 from "alla", so its
    # trend is withheld (slope + visible years would give 2021 back) and the summary does not state it
    assert "Misshandel ökar i Norrby" not in hostile_html
    assert "(+12\u00a0% per år" not in hostile_html
    assert "har 2,1 gånger så hög nivå av brott totalt som övriga kommunen" in hostile_html
    assert "Skadegörelse minskar i Hässleholmen väst (\u22128\u00a0% per år, säker förändring)" in hostile_html


def test_synthetic_banner():
    assert TEXTS["synthetic"]["sv"] in render_report_html(make_results(synthetic=True), figures=False)
    html = render_report_html(make_results(synthetic=False), figures=False)
    assert TEXTS["synthetic"]["sv"] not in html
    assert "@top-center" not in html


def test_public_mode_suppresses_small_counts(hostile_html):
    assert "&lt;5 (dolt)" in hostile_html
    counts = [float(v) for v in re.findall(r'data-count="([^"]+)"', hostile_html)]
    assert counts and [v for v in counts if 0 < v < 5] == []  # zeros and counts of 5 or more only
    assert "Målsäganden" not in hostile_html  # no free text


def test_internal_mode_shows_small_counts():
    html = render_report_html(make_results(), mode="internal", figures=False)
    assert 'data-count="3"' in html
    assert TEXTS["internal"]["sv"] in html


def test_forecast_never_claims_without_the_table():
    res = make_results()
    html = render_report_html(res, figures=False)
    assert "träffade bättre än basmetoden" not in html
    assert TEXTS["forecast_not"]["sv"] in html
    res.tables["forecast_summary"].data.loc[0, "beats_baseline"] = True
    expected = TEXTS["forecast_beats"]["sv"].format(method="kde (5\u00a0%)")
    assert expected in render_report_html(res, figures=False)
    del res.tables["forecast_summary"]
    html = render_report_html(res, figures=False)
    assert TEXTS["forecast_no_baseline"]["sv"] in html
    assert "träffade bättre än basmetoden" not in html


def test_missing_tables_said_plainly():
    res = make_results()
    for name in ("funnel", "time_weekday_hour", "forecast_backtest"):
        del res.tables[name]
    html = render_report_html(res, figures=False)
    for name in ("funnel", "time_weekday_hour", "forecast_backtest"):
        assert TEXTS["not_computed"]["sv"].format(what=TEXTS["what_table"]["sv"].format(name=name)) in html


def test_no_district_forecast_is_explained_by_the_span():
    import dataclasses
    import datetime as dt

    res = make_results(language="en")
    del res.tables["forecast_district"]
    assert res.config.districts is not None
    one_year = dataclasses.replace(res.config.periods, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    res = dataclasses.replace(res, config=dataclasses.replace(res.config, periods=one_year))
    html = render_report_html(res, figures=False, language="en")
    assert ("No forecast per district: it needs at least three whole calendar years of data, and the analysed "
            "span has 1.") in html
    assert "forecast_district is missing" not in html
    three = dataclasses.replace(one_year, start=dt.date(2019, 7, 1), end=dt.date(2022, 12, 31))  # 2020-2022
    res = dataclasses.replace(res, config=dataclasses.replace(res.config, periods=three))
    html = render_report_html(res, figures=False, language="en")
    assert "forecast_district is missing" in html and "No forecast per district" not in html


def test_without_focus_areas_the_comparison_says_why_in_one_sentence():
    import dataclasses

    res = make_results(language="en")
    del res.tables["comparison"]
    districts = res.districts.copy()
    districts["is_focus"] = False
    areas = dataclasses.replace(res.config.areas, focus=())
    res = dataclasses.replace(res, districts=districts, focus_areas=[],
                              config=dataclasses.replace(res.config, areas=areas))
    html = render_report_html(res, figures=False, language="en")
    assert TEXTS["compare_no_focus"]["en"] in html
    assert "comparison is missing" not in html


def test_empty_results_still_give_a_report():
    res = make_results()
    res.tables.clear()
    res.quality = {}
    html = render_report_html(res, figures=False)
    assert [h.split(". ", 1)[1] for h in _parse(html).h2] == [TEXTS[k]["sv"] for k in SECTIONS]


def test_method_section_has_run_record_and_parameters(hostile_html):
    for text in ("sha256:ab12cd", "sha256:ffee00", "cell_size_rule", "auto: 500 m", "permutations", "bad_date",
                 "Personnummer maskerade i fritext: 3", "Slumpfrö"):
        assert text in hostile_html, text


def test_results_not_changed():
    res = make_results()
    before = res.tables["rates_district"].data.copy()
    render_report_html(res, figures=False)
    pd.testing.assert_frame_equal(res.tables["rates_district"].data, before)
    assert len(res.incidents) == 60


def test_write_report_without_pdf(tmp_path, no_figures):
    from geolage.focus import focus_areas_of

    res = make_results()
    slugs = [a.slug for a in focus_areas_of(res)]
    assert slugs  # the fixture has focus areas: one lägesbild each beside the overview
    paths = write_report(res, tmp_path / "ut", pdf=False)
    assert set(paths) == {"html", *(f"html_{s}" for s in slugs)}
    assert paths["html"] == tmp_path / "ut" / "rapport.html"
    for s in slugs:
        assert paths[f"html_{s}"] == tmp_path / "ut" / f"rapport_{s}.html"
    assert not list((tmp_path / "ut").glob(".*part"))


def test_pdf_missing_browser_warns(tmp_path, monkeypatch, no_figures):
    monkeypatch.setenv("GEOLAGE_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.warns(UserWarning, match="PDF not written: Chromium not found"):
        paths = write_report(make_results(), tmp_path, pdf=True)
    assert not [k for k in paths if k.startswith("pdf")] and "html" in paths


def test_pdf_failing_browser_warns_with_its_message(tmp_path, monkeypatch, no_figures):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("GEOLAGE_CHROMIUM", str(fake))
    with pytest.warns(UserWarning, match=r"PDF not written: Chromium exited with 3 \(cannot open display\)"):
        paths = write_report(make_results(), tmp_path / "ut", pdf=True)
    assert sorted(paths) == sorted(k for k in paths if k.startswith("html")) and len(paths) >= 2
    assert not list((tmp_path / "ut").glob(".*"))  # no partial PDF left


@pytest.mark.browser
def test_pdf_written(tmp_path):
    if find_chromium() is None:
        pytest.skip("chromium not installed")
    paths = write_report(make_results(hostile=True), tmp_path, pdf=True)
    data = paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(paths["pdf"])], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))
    assert pages >= 9  # the overview starts each of its nine sections on a new page
    if os.environ.get("GEOLAGE_KEEP_PDF"):
        (tmp_path / "keep").write_bytes(data)


def test_area_report_shows_the_survey_of_its_area_or_says_there_is_none(tmp_path, no_figures):
    import pandas as pd

    from geolage.focus import focus_areas_of
    from geolage.io import read_survey

    res = make_results()
    (area,) = focus_areas_of(res)
    html = render_report_html(res, area=area, figures=False)
    assert "Ingen trygghetsmätning har angetts för området" in html
    csv = tmp_path / "trygghet.csv"
    csv.write_text(f"area;question;share;year\n{area.name};Känner sig trygg ute sent på kvällen;42,5;2024\n"
                   "Annat område;Känner sig trygg ute sent på kvällen;80;2024\n", encoding="utf-8")
    res.inputs.survey = read_survey(csv)
    html = render_report_html(res, area=area, figures=False)
    assert "Trygghetsmätning i" in html and "Känner sig trygg ute sent på kvällen" in html
    assert "42,5\xa0%" in html and "80,0\xa0%" not in html  # its own area's row only
    bad = tmp_path / "bad.csv"
    bad.write_text("area,question,share\nX,Q,140\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"bad.csv: column share needs per cent from 0 to 100; rows \[2\]"):
        read_survey(bad)
    assert isinstance(res.inputs.survey, pd.DataFrame)


def test_overview_setting_rule():
    from geolage.outputs.report.sections import overview_is_short

    assert [overview_is_short(s, has) for s in ("auto", "short", "full") for has in (True, False)] == [
        True, False, True, True, False, False]
    with pytest.raises(ValueError, match="output.overview needs to be 'auto', 'short' or 'full'; got 'kort'"):
        overview_is_short("kort", True)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_overview_with_focus_areas_is_short_and_compares_the_areas(language):
    from geolage.focus import focus_areas_of
    from geolage.outputs.report.sections import OVERVIEW_SECTIONS
    from geolage.text.report import report_texts

    res = make_results(language=language, overview="auto")
    html = render_report_html(res, figures=False)
    t = report_texts(language)
    assert [h.split(". ", 1)[1] for h in _parse(html).h2] == [t[s.title_key] for s in OVERVIEW_SECTIONS]
    # the focus area's row of the overview's table is the area_profile row of all offences (D1 is the focus area)
    ap = res.tables["area_profile"].data
    row = ap[(ap["area"] == "D1") & (ap["category"] == "alla")].iloc[0]
    table = html.split(t["ov_areas_caption"].split("{")[0], 1)[1].split("</table>", 1)[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table, flags=re.S)]
    assert cells[:3] == [res.districts.loc["D1", "district_name"], format_number(row["count"], language=language),
                         format_number(row["rate"], language, 1)]
    stem = "rapport" if language == "sv" else "report"  # the summary links the area's own lägesbild by name
    (area,) = focus_areas_of(res)
    assert f'<a href="{stem}_{area.slug}.pdf">{area.name}</a>' in html
    # a full report asked for keeps every section
    full = render_report_html(res, figures=False, overview="full")
    assert [h.split(". ", 1)[1] for h in _parse(full).h2] == [TEXTS[k][language] for k in SECTIONS]


def test_the_data_and_method_appendix_is_drawn_once_for_all_reports_of_a_run(monkeypatch):
    import importlib

    from geolage.focus import focus_areas_of

    dm = importlib.import_module("geolage.outputs.report.sections.data_method")  # the module, not its function

    calls = []
    make = dm._data_method
    monkeypatch.setattr(dm, "_data_method", lambda ctx: calls.append(1) or make(ctx))
    res = make_results(overview="auto")
    shared: dict = {}
    overview = render_report_html(res, figures=False, shared=shared)
    (area,) = focus_areas_of(res)
    area_report = render_report_html(res, figures=False, area=area, shared=shared)
    assert len(calls) == 1
    record = TEXTS["record_caption"]["sv"]
    assert record in overview and record in area_report
    render_report_html(res, figures=False, area=area)  # without a shared dict: made again
    assert len(calls) == 2
