"""The demo's lägesbild per focus area: files, sections, one-unit counts, the renewed Norrby report, words, maps.

Uses the session's one ``geolage demo`` run (``conftest.demo_run``). The PDF checks read the
printed pages: ``pdftotext`` for the words, ``pdftoppm`` page images for the maps' zoom.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from geolage.categories import CATEGORIES
from geolage.focus import focus_areas_of
from geolage.outputs.report import render_report_html
from geolage.outputs.report.charts import AREA_FRAME, AREA_OUTLINE
from geolage.outputs.report.sections import AREA_SECTIONS, OVERVIEW_SECTIONS
from geolage.run.steps.areas import current_window
from geolage.text.labels import category_label
from geolage.text.report import report_texts

pytestmark = pytest.mark.slow

AREAS = {"hassleholmen_hulta": "Hässleholmen/Hulta", "norrby": "Norrby"}
HH_DISTRICTS = ("Hässleholmen väst", "Hässleholmen öst norr", "Hulta centrum-Sörmarken",
                "Hulta syd-Trandared norr-Brotorp")


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _needs_pdf_tools() -> None:
    """The PDF checks need poppler-utils (scripts/install_system_deps.sh installs it): fail, never skip."""
    missing = [t for t in ("pdftotext", "pdftoppm") if shutil.which(t) is None]
    assert not missing, f"poppler-utils missing ({missing}): run bash scripts/install_system_deps.sh browser"


def test_demo_writes_both_lagesbilder_and_the_overview(demo_run):
    _, out = demo_run
    for slug in AREAS:
        assert (out / f"rapport_{slug}.html").is_file()
        assert (out / f"rapport_{slug}.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "rapport.html").is_file()


def test_area_report_has_the_sections_in_order(demo_run):
    _, out = demo_run
    t = report_texts("sv")
    expected = [t[s.title_key] for s in AREA_SECTIONS]
    for slug in AREAS:
        html = (out / f"rapport_{slug}.html").read_text(encoding="utf-8")
        titles = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)]
        titles = [re.sub(r"^\d+\.?\s*", "", x) for x in titles]
        assert [x for x in titles if x in expected] == expected, titles


def test_hassleholmen_hulta_is_one_area_whose_count_is_its_districts_sum(demo_run):
    results, _ = demo_run
    (hh,) = [a for a in focus_areas_of(results) if a.slug == "hassleholmen_hulta"]
    names = results.districts.loc[list(hh.district_ids), "district_name"].tolist()
    assert sorted(names) == sorted(HH_DISTRICTS)
    start, end = current_window(results)
    inc = results.incidents
    t = pd.to_datetime(inc["time"])
    in_window = (t >= pd.Timestamp(start)) & (t < pd.Timestamp(end) + pd.Timedelta(days=1))
    brute = int((inc["district_id"].astype(str).isin(hh.district_ids) & in_window).sum())
    ap = results.tables["area_profile"].data
    row = ap[(ap["area"] == hh.area_id) & (ap["category"] == "alla")].iloc[0]
    assert row["count"] == brute
    comp = results.tables["comparison"].data
    whole = comp[(comp["category"] == "alla") & (comp["period"] == "hela")].set_index("area")["count"]
    assert whole[hh.area_id] == sum(whole[d] for d in hh.district_ids)


def test_norrby_report_compares_with_2014_2019(demo_run):
    _needs_pdf_tools()
    results, out = demo_run
    pc = results.tables["previous_change"].data
    norrby = pc[pc["area_name"] == "Norrby"]
    assert (norrby["previous_start"] == "2014-01-01").all() and (norrby["previous_end"] == "2019-12-31").all()
    alla = norrby[norrby["category"] == "alla"].iloc[0]
    assert alla["count_previous"] > 0 and alla["count"] > 0
    text = _pdf_text(out / "rapport_norrby.pdf")
    assert "Förändring sedan förra lägesbilden: 2014–2019 jämfört med" in text
    assert "Förra lägesbilden för området gällde 2014–2019" in text
    assert "förra lägesbilden" not in _pdf_text(out / "rapport_hassleholmen_hulta.pdf").split("Bilagor")[0].replace(
        "Ingen tidigare lägesbild", "")


#: Raw codes and identifiers that must not reach a reader of a Swedish area report.
_CODES = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b(?:hot_\d\d|cold_\d\d|not_significant|whole_area)\b")


def test_no_raw_codes_in_the_area_reports_before_the_appendices(demo_run):
    _needs_pdf_tools()
    _, out = demo_run
    for slug in AREAS:
        text = _pdf_text(out / f"rapport_{slug}.pdf")
        starts = [m.start() for m in re.finditer(r"\d+\. Bilagor", text)]
        assert len(starts) == 2  # in the contents and as the heading of the appendices (technical parameters)
        body = text[:starts[-1]]
        found = sorted(set(_CODES.findall(body)))
        assert found == [], f"{slug}: {found[:10]}"
        # a code that is not also a Swedish word of its label ("misshandel", "olaga hot") must not appear
        codes = [c for c in CATEGORIES if not re.search(rf"\b{c}\b", category_label(c, "sv").lower())
                 and re.search(rf"\b{c}\b", body)]
        assert codes == [], f"{slug}: {codes}"


def test_overview_is_short_has_no_codes_and_links_the_area_reports(demo_run):
    """With focus areas the municipal report is the short overview: its sections, at most 10 pages before the
    appendices, no raw code in its text, and a link to each area's lägesbild."""
    _needs_pdf_tools()
    _, out = demo_run
    t = report_texts("sv")
    html = (out / "rapport.html").read_text(encoding="utf-8")
    titles = [re.sub(r"^\d+\.?\s*", "", re.sub(r"<[^>]+>", "", h).strip())
              for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)]
    assert titles == [t[s.title_key] for s in OVERVIEW_SECTIONS]
    for slug, name in AREAS.items():
        assert f'<a href="rapport_{slug}.pdf">{html_lib.escape(name, quote=False)}</a>' in html
    pages = _pdf_text(out / "rapport.pdf").split("\f")
    first_appendix_page = next(i for i, page in enumerate(pages, start=1) if re.search(r"^\s*\d+\. Bilagor", page,
                                                                                       flags=re.M)
                               and i > 1)
    assert first_appendix_page <= 11  # at most 10 pages before the appendices (the full report had 35 pages)
    body = "\f".join(pages[:first_appendix_page - 1])
    assert sorted(set(_CODES.findall(body))) == []


def _colour_mask(img: np.ndarray, hex_colour: str, tol: int = 40) -> np.ndarray:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(img[..., :3].astype(int) - rgb).sum(axis=2) <= tol)


def _map_frames(page: np.ndarray) -> list[tuple[int, int, int, int]]:
    from scipy import ndimage

    labels, n = ndimage.label(_colour_mask(page, AREA_FRAME))
    frames = []
    for sl in ndimage.find_objects(labels):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if h > 80 and w > 80:  # a map's frame, not a stray pixel of that colour
            frames.append((sl[0].start, sl[0].stop, sl[1].start, sl[1].stop))
    return frames


def test_area_maps_in_the_pdf_are_zoomed_to_the_area_and_named(demo_run, tmp_path):
    _needs_pdf_tools()
    from PIL import Image

    results, out = demo_run
    for slug, name in AREAS.items():
        prefix = tmp_path / slug
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(out / f"rapport_{slug}.pdf"), str(prefix)], check=True)
        fills = []
        for page_file in sorted(tmp_path.glob(f"{slug}-*.png")):
            page = np.asarray(Image.open(page_file).convert("RGB"))
            for top, bottom, left, right in _map_frames(page):
                inside = _colour_mask(page[top:bottom, left:right], AREA_OUTLINE)
                ys, xs = np.nonzero(inside)
                assert len(xs), f"{slug}: a map without the area's outline on {page_file.name}"
                fill = max((xs.max() - xs.min()) / (right - left), (ys.max() - ys.min()) / (bottom - top))
                fills.append(fill)
        assert len(fills) >= 2, f"{slug}: expected the hot spot and density maps, found {len(fills)}"
        assert min(fills) > 0.6, f"{slug}: the area fills only {min(fills):.2f} of a map frame"
        text = _pdf_text(out / f"rapport_{slug}.pdf")
        (area,) = [a for a in focus_areas_of(results) if a.slug == slug]
        for d in area.district_ids:
            assert results.districts.loc[d, "district_name"] in text
        assert "Namn på kartan" in text and name in text


def test_english_area_report_has_no_swedish(demo_run):
    results, _ = demo_run
    area = focus_areas_of(results)[0]
    html = render_report_html(results, language="en", area=area, figures=False)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)  # the stylesheet's comments are not the report
    body = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    body = body[:body.rindex("Appendices")]  # the appendices list the run's recorded parameters as they were
    # the user's own words (assignment, names of the project, places and sources) stay as written
    user_words = (area.assignment or "", results.config.project.name, *HH_DISTRICTS, "Hässleholmen/Hulta",
                  *(s.name for s in results.config.sources))
    for text in user_words:
        body = body.replace(text, " ")
    swedish = [w for w in ("brott", " och ", "Sammanfattning", "invånare", "lägesbild", "kommunen", "Syntetiska")
               if w in body]
    assert swedish == []
    assert "Summary and overall assessment" in body and "Conclusions and input to the action plan" in body
