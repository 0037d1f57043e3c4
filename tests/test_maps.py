"""Tests of geolage.outputs.map: the self-contained interactive map (karta.html), its data and its page."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import folium
import mapclassify
import numpy as np
import pytest
from fixtures_results import HOSTILE_NAMES, X0, Y0, make_results
from PIL import Image
from pyproj import Transformer

from geolage.classes import GISTAR_CLASSES
from geolage.outputs.map import escape, make_map, map_data, write_map


class _Tags(HTMLParser):
    """Collect every tag with its attributes, and the text of the data script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_data = False
        self.data_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_data = tag == "script" and attrs.get("id") == "geolage-data"

    def handle_endtag(self, tag):
        self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data_text += data


def _page(tmp_path: Path, name: str = "karta.html", **kwargs) -> tuple[str, _Tags]:
    results = kwargs.pop("results", None) or make_results()
    path = write_map(results, tmp_path / name, **kwargs)
    text = path.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    return text, parser


def _data(parser: _Tags) -> dict:
    return json.loads(parser.data_text)


# --------------------------------------------------------------------------- inputs
def test_mode_must_be_public_or_internal():
    with pytest.raises(ValueError, match="mode needs to be 'public' or 'internal'; got 'secret'"):
        make_map(make_results(), mode="secret")


def test_language_must_be_sv_or_en():
    with pytest.raises(ValueError, match="language needs to be 'sv' or 'en'; got 'de'"):
        make_map(make_results(), language="de")


def test_background_must_be_osm_or_none():
    with pytest.raises(ValueError, match="background needs to be 'osm' or 'none'"):
        make_map(make_results(), background="satellite")


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(folium.Map, "get_root", boom)
    with pytest.raises(RuntimeError, match="render failed"):
        write_map(make_results(), tmp_path / "karta.html")
    assert list(tmp_path.iterdir()) == []


def test_plain_repairs_text_from_non_utf8_bytes():
    assert escape.plain("Bor\udce5s") == "Bor\ufffds"  # surrogate-escaped Latin-1 byte
    assert escape.plain(b"Bor\xe5s") == "Bor\ufffds"
    assert escape.plain("a\x00b\x1bc\td") == "abc\td"
    assert len(escape.plain("x" * 5000)) == escape.MAX_TEXT
    assert escape.esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


# --------------------------------------------------------------------------- outputs: the file
def test_make_map_returns_a_folium_map():
    assert isinstance(make_map(make_results()), folium.Map)


def test_write_map_writes_one_html_file(tmp_path):
    path = write_map(make_results(), tmp_path / "karta.html")
    assert path == tmp_path / "karta.html"
    assert [p.name for p in tmp_path.iterdir()] == ["karta.html"]  # no temp file left
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="sv">' in text


def test_page_needs_no_external_script_or_stylesheet(tmp_path):
    text, parser = _page(tmp_path, mode="internal")
    for tag, attrs in parser.tags:
        if tag == "script":
            assert "src" not in attrs, f"external script: {attrs}"
        if tag == "link":
            assert not re.match(r"(https?:)?//", attrs.get("href") or ""), f"external stylesheet: {attrs}"
        if tag in ("img", "iframe", "embed", "object", "source"):
            assert not re.match(r"(https?:)?//", attrs.get("src") or ""), f"external {tag}: {attrs}"
    assert "@import" not in text
    # Leaflet and leaflet.heat are inlined; folium's CDN defaults are gone.
    assert "cdn.jsdelivr" not in text and "jquery" not in text.lower() and "bootstrap" not in text.lower()
    assert "L.version" in text or "Leaflet" in text
    assert "simpleheat" in text
    # CSS url(...) references are inlined images only.
    for url in re.findall(r"url\(([^)]*)\)", text):
        assert url.startswith(("data:", "#")), url


def test_only_external_url_used_is_the_optional_tile_layer(tmp_path):
    text, parser = _page(tmp_path)
    script = text.split("geolage-data", 1)[1]  # our code and data (after the libraries)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", script))
    assert urls <= {"https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://www.openstreetmap.org/copyright"}


def test_public_map_is_small(tmp_path):
    path = write_map(make_results(), tmp_path / "karta.html")
    assert path.stat().st_size < 600_000


# --------------------------------------------------------------------------- outputs: escaping
def test_hostile_text_is_escaped_everywhere(tmp_path):
    text, parser = _page(tmp_path, results=make_results(hostile=True), mode="internal")
    # No hostile markup survives as markup, anywhere in the page.
    assert "<script>window.__pwned" not in text
    assert "<img src=x" not in text
    assert "onerror=\"window" not in text
    # The data block is one script element whose text has no "<" at all.
    assert "<" not in parser.data_text
    assert sum(1 for tag, attrs in parser.tags if attrs.get("id") == "geolage-data") == 1
    data = _data(parser)
    names = [f["properties"]["name"] for f in data["layers"][0]["features"]]
    assert names[0] == html.escape(HOSTILE_NAMES[0])
    assert names[1] == html.escape(HOSTILE_NAMES[1], quote=True)
    assert names[2] == "&#x27;; DROP TABLE x; --"
    assert len(html.unescape(names[3])) == escape.MAX_TEXT and names[3].endswith("…")
    assert "\x00" not in names[5] and "\x1b" not in names[5]
    assert data["title"].startswith("&lt;script&gt;")
    assert "&lt;img src=x" in json.dumps([c["label"] for c in data["categories"]])
    assert "<title>&lt;script&gt;" in text
    overlay_labels = [f["properties"]["name"] for f in data["overlays"][0]["features"]]
    assert overlay_labels[0].startswith("&lt;script&gt;")


def test_script_json_cannot_close_its_script_element():
    out = escape.script_json({"a": "</script><!-- & \u2028"})
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out) == {"a": "</script><!-- & \u2028"}


# --------------------------------------------------------------------------- outputs: disclosure
def test_public_map_has_no_incidents_and_suppresses_small_counts(tmp_path):
    text, parser = _page(tmp_path, mode="public")
    data = _data(parser)
    assert data["incidents"] is None
    assert "simpleheat" not in text  # the heat-map plugin is not even included
    assert "fritext" not in text and "19850101" not in text
    assert [b["kind"] for b in data["banners"]] == ["synthetic"]
    rates = data["layers"][0]
    rows = rates["slices"]["0|0"]["rows"]  # alla, hela
    district4 = next(r for r in rows if r[0] == 3)  # the district with 3 incidents
    assert district4[1] is None
    assert district4[2][0] == "&lt;5 (dolt)"
    assert district4[2][2] == "–"  # the raw rate would give the count back
    assert "Dolt: färre än 5 brott" in [e["label"] for e in rates["slices"]["0|0"]["legend"]]


def test_public_map_passes_the_disclosure_scan(tmp_path):
    audit = pytest.importorskip("geolage.outputs.audit")
    results = make_results()
    write_map(results, tmp_path / "karta.html", mode="public")
    findings = audit.scan_public_outputs(
        tmp_path, results.incidents, results.config.output.min_count,
        boundaries=[results.districts, results.grid, results.study_area, *results.overlays.values()],
    )
    assert findings == []


def test_internal_map_has_incidents_and_banner(tmp_path):
    results = make_results()
    _, parser = _page(tmp_path, results=results, mode="internal")
    data = _data(parser)
    assert len(data["incidents"]["points"]) == len(results.incidents)
    assert [b["kind"] for b in data["banners"]] == ["synthetic", "internal"]
    lat, lon, cat, per = data["incidents"]["points"][0]
    assert 57.6 < lat < 57.8 and 12.8 < lon < 13.1
    assert data["categories"][cat]["code"] == results.incidents["category"].iloc[0]
    assert data["periods"][per]["code"] == str(results.incidents["time"].iloc[0].year)


def test_run_without_map_tables_still_gives_a_map(tmp_path):
    results = make_results()
    results.tables.clear()
    results.rasters.clear()
    data = map_data(results)
    assert data["layers"] == [] and data["density"] == []
    assert [c["code"] for c in data["categories"]] == ["alla"]
    assert write_map(results, tmp_path / "karta.html").is_file()


def test_no_synthetic_banner_for_real_data():
    data = map_data(make_results(synthetic=False))
    assert data["banners"] == []


# --------------------------------------------------------------------------- outputs: layers
def test_layers_and_selection_lists():
    data = map_data(make_results(), mode="internal")
    assert [layer["id"] for layer in data["layers"]] == ["rates_district", "lisa_district", "gistar_grid",
                                                        "emerging_grid"]
    assert [c["code"] for c in data["categories"]] == ["alla", "misshandel", "inbrott_bostad"]
    assert [c["label"] for c in data["categories"]] == ["Alla kategorier", "Misshandel", "Inbrott (bostad)"]
    assert [p["code"] for p in data["periods"]] == ["hela", "2023", "2024"]
    assert data["periods"][0]["label"] == "Hela perioden"
    rates = data["layers"][0]
    assert rates["by_period"] and set(rates["slices"]) == {f"{c}|{p}" for c in range(3) for p in range(3)}
    assert set(data["layers"][2]["slices"]) == {"0|*", "1|*", "2|*"}


def test_english_map_writes_the_english_codes_in_its_data_and_script(tmp_path):
    """English runs: `all`, `whole_period`, `residential_burglary` in the embedded data; no Swedish code left."""
    data = map_data(make_results(), mode="internal", language="en")
    assert [c["code"] for c in data["categories"]] == ["all", "assault", "residential_burglary"]
    assert [p["code"] for p in data["periods"]] == ["whole_period", "2023", "2024"]
    text, parser = _page(tmp_path, "map.html", language="en")
    embedded = parser.data_text
    assert re.findall(r"\b(alla|hela|misshandel|inbrott_bostad)\b", embedded) == []
    # the script compares the selection with the same codes the data has
    assert 'per.code === "whole_period"' in text and 'D.categories[0].code === "all"' in text
    assert 'per.code === "hela"' not in text


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_choropleth_breaks_are_fisher_jenks_of_eb_rate():
    results = make_results()
    rates = results.tables["rates_district"].data
    # no whole-area rate to compare with (a count unknown, no series table): Fisher–Jenks classes
    rates.loc[(rates["category"] == "misshandel") & (rates["period"] == "2024") & (rates["district_id"] ==
                                                                                  rates["district_id"].iloc[0]),
              "count"] = np.nan
    data = map_data(results, mode="internal")
    sel = rates[(rates["category"] == "misshandel") & (rates["period"] == "2024")]
    bins = mapclassify.FisherJenks(sel["eb_rate"].to_numpy(), k=5).bins
    legend = data["layers"][0]["slices"]["1|2"]["legend"]
    assert len(legend) == 5
    assert legend[-1]["label"].endswith(f"{bins[-1]:.1f}".replace(".", ","))
    assert "Fisher–Jenks" in data["layers"][0]["slices"]["1|2"]["note"]
    # Each district's class is the Fisher–Jenks class of its eb_rate.
    expected = np.searchsorted(bins, sel["eb_rate"].to_numpy(), side="left")
    rows = sorted(data["layers"][0]["slices"]["1|2"]["rows"])
    assert [r[1] for r in rows] == list(expected)


def test_gistar_layer_keeps_only_significant_cells_with_class_colours():
    results = make_results()
    data = map_data(results, mode="internal")
    layer = next(x for x in data["layers"] if x["id"] == "gistar_grid")
    gi = results.tables["gistar_grid"].data
    significant = gi.loc[gi["gistar_class"] != "not_significant", "cell_id"].unique()
    assert len(layer["cells"]) == len(significant) < len(results.grid)
    colours = {c["color"] for c in layer["classes"]}
    assert GISTAR_CLASSES["hot_99"].color in colours and GISTAR_CLASSES["not_significant"].color not in colours
    labels = [c["label"] for c in layer["classes"]]
    assert labels[0] == "Hot spot, 99 % säkerhet"


def test_grid_cells_land_on_their_wgs84_corners():
    results = make_results()
    layer = next(x for x in map_data(results, mode="internal")["layers"] if x["id"] == "gistar_grid")
    to_ll = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
    grid = results.grid.set_index("cell_id")
    for lat, lon, cell_id in layer["cells"][:5]:
        row = grid.loc[cell_id]
        # opposite corner from the step vectors vs. the exact transform
        (elat, elon), (nlat, nlon) = layer["step"]
        x1, y1 = row.x0 + 250, row.y0 + 250
        lon1, lat1 = to_ll.transform(x1, y1)
        assert abs(lat + elat + nlat - lat1) < 2e-6 and abs(lon + elon + nlon - lon1) < 4e-6  # < 0.25 m
        lon0, lat0 = to_ll.transform(row.x0, row.y0)
        assert abs(lat - lat0) < 1e-6 and abs(lon - lon0) < 1e-6


def test_coordinates_are_rounded_to_six_decimals():
    data = map_data(make_results())
    coords = json.dumps(data["layers"][0]["features"])
    assert not re.search(r"\d\.\d{7,}", coords)


def test_density_overlay_is_placed_in_web_mercator():
    """The brightest pixel of the PNG lies where the planted density peak is."""
    results = make_results()
    dens = map_data(results)["density"]
    assert [d["category"] for d in dens] == [0, 1]
    d = dens[0]  # kde_alla, peak at (X0 + 800, Y0 + 700)
    png = base64.b64decode(d["url"].split(",", 1)[1])
    img = np.asarray(Image.open(io.BytesIO(png)))
    assert img.shape[2] == 4 and img[..., 3].max() > 0
    (south, west), (north, east) = d["bounds"]
    # alpha grows with density: the peak is the most opaque pixel
    row, col = np.unravel_index(np.argmax(img[..., 3].astype(int) * 1000 - img[..., 2]), img[..., 3].shape)
    merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (mx0, mx1), (my_s, my_n) = merc.transform([west, east], [south, north])
    px = mx0 + (col + 0.5) / img.shape[1] * (mx1 - mx0)
    py = my_n - (row + 0.5) / img.shape[0] * (my_n - my_s)
    peak = Transformer.from_crs("EPSG:3006", "EPSG:3857", always_xy=True).transform(X0 + 800, Y0 + 700)
    pixel = (mx1 - mx0) / img.shape[1]
    assert abs(px - peak[0]) < 3 * pixel and abs(py - peak[1]) < 3 * pixel
    assert d["unit"] == "brott per km²"


def test_overlay_outlines_with_labels():
    data = map_data(make_results())
    (overlay,) = data["overlays"]
    assert overlay["title"] == "Utsatta områden"
    assert [f["properties"]["name"] for f in overlay["features"]] == ["Norrby", "Hässleholmen"]


def test_english_labels():
    data = map_data(make_results(), language="en")
    assert data["categories"][0]["label"] == "All categories"
    assert data["ui"]["no_background"] == "No background"
    gi = next(x for x in data["layers"] if x["id"] == "gistar_grid")
    assert gi["classes"][0]["label"] == "Hot spot, 99% confidence"


def test_numbers_are_written_by_the_shared_format():
    """Thousands with a no-break space and a decimal comma (geolage.text.format), as in every other output."""
    from geolage.text.format import format_number

    rates = map_data(make_results())["layers"][0]
    assert rates["fields"][2] == "Brott per 1\u00a0000 invånare" == f"Brott per {format_number(1000, 'sv', 0)} invånare"
    en = map_data(make_results(), language="en")["layers"][0]
    assert en["fields"][2] == "Incidents per 1,000 residents"


def test_every_map_text_exists_in_both_languages_with_the_same_placeholders():
    import string

    from geolage.text.map import MAP_UI, SUPPRESSED_COUNT, TOOLTIP_LABELS

    for key, text in {**MAP_UI, **TOOLTIP_LABELS, "suppressed_count": SUPPRESSED_COUNT}.items():
        fields = [{f for _, f, _, _ in string.Formatter().parse(text[lang]) if f} for lang in ("sv", "en")]
        assert text["sv"] and text["en"] and fields[0] == fields[1], key


def test_page_has_swedish_controls_and_title(tmp_path):
    text, parser = _page(tmp_path)
    data = _data(parser)
    assert "<title>Lägesbild Borås</title>" in text
    assert data["ui"]["no_background"] == "Ingen bakgrund"
    assert data["banners"][0]["text"] == "Syntetiska demodata – inte verkliga brott"


def test_public_grid_layers_show_classes_but_no_cell_counts_or_z_scores():
    data = map_data(make_results(), mode="public")
    gi = next(x for x in data["layers"] if x["id"] == "gistar_grid")
    assert gi["fields"] == ["Klass"]
    assert all(row[2] == [] for sl in gi["slices"].values() for row in sl["rows"])
    internal = next(x for x in map_data(make_results(), mode="internal")["layers"] if x["id"] == "gistar_grid")
    assert internal["fields"] == ["Klass", "Gi* z-värde", "p-värde", "q-värde (FDR)", "Antal brott"]


def test_small_p_values_are_shown_as_below_a_limit():
    results = make_results()
    results.tables["gistar_grid"].data["gistar_p"] = 1e-7
    gi = next(x for x in map_data(results, mode="internal")["layers"] if x["id"] == "gistar_grid")
    row = gi["slices"]["0|*"]["rows"][0]
    assert row[2][1] == "&lt;0,0001"  # [z, p, q, count]


def test_counts_per_grid_cell_are_not_drawn():
    from geolage.run.results import Table

    results = make_results()
    grid = results.grid.assign(category="alla", count=1)
    results.add_table(Table("grid", grid, {"sv": "Antal per ruta"}, count_columns=("count",), style="count",
                            style_column="count"))
    assert "grid" not in [x["id"] for x in map_data(results, mode="internal")["layers"]]


def test_written_file_is_readable_by_others(tmp_path):
    import os
    import stat

    path = write_map(make_results(), tmp_path / "karta.html")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_written_page_allows_only_its_own_scripts(tmp_path):
    import hashlib

    text, parser = _page(tmp_path, mode="internal")
    (csp,) = [a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; script-src 'sha256-")
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "img-src data: https://tile.openstreetmap.org;" in csp
    codes = re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", text, flags=re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(c.encode()).digest()).decode() + "'" for c in codes}
    assert set(re.findall(r"'sha256-[^']+'", csp)) == hashes
    assert len(hashes) == 4  # Leaflet, leaflet.heat, folium's switches, the map


def test_public_map_of_a_run_shows_what_its_public_view_shows():
    """The map withholds counts through the one public view of the run (geolage.outputs.common.public_view)."""
    from geolage.run.disclosure import public_results

    results = make_results()
    data = map_data(results, mode="public")
    rows = data["layers"][0]["slices"]["0|0"]["rows"]
    district4 = next(r for r in rows if r[0] == 3)
    assert district4[1] is None and district4[2][0] == "&lt;5 (dolt)" and district4[2][2] == "–"
    assert data["incidents"] is None
    assert data["layers"][0] == map_data(public_results(results), mode="public")["layers"][0]
    assert data["density"] == map_data(public_results(results), mode="public")["density"]


def test_the_same_run_writes_the_same_page_byte_for_byte(tmp_path):
    """Folium's random element ids are replaced by ids from each element's place in the page."""
    res = make_results()
    a, b = write_map(res, tmp_path / "a.html"), write_map(res, tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()
    ids = re.findall(r'class="folium-map" id="(map_[0-9a-f]{32})"', a.read_text("utf-8"))
    assert len(ids) == 1
    assert ids[0] in a.read_text("utf-8").split("L.map(", 1)[1][:80]  # the script draws into that element


def _clean_numbers_reference(obj):
    """The general path of ``geolage.outputs.map.data._clean_numbers`` only (no fast paths for plain types)."""
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {k: _clean_numbers_reference(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_numbers_reference(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def test_clean_numbers_equals_the_general_path():
    import numpy as np

    from geolage.outputs.map.data import _clean_numbers

    class Sub(float):
        pass

    data = {"a": [1.5, float("nan"), float("inf"), -float("inf"), 2, "x", None, True, False,
                  np.float64(np.nan), np.float64(0.25), np.int64(3), np.bool_(True), np.float32(np.inf)],
            "b": ((1, 2.0), [np.float64(-np.inf), {"c": [float("nan"), Sub(1.0), Sub(float("nan"))]}]),
            "d": [[1.0, 2.0], [3, float("nan")]], 5: "five"}
    got, want = _clean_numbers(data), _clean_numbers_reference(data)
    assert json.dumps(got, allow_nan=False) == json.dumps(want, allow_nan=False)
    assert [type(v) for v in got["a"]] == [type(v) for v in want["a"]]
    assert got["a"][:3] == [1.5, None, None] and got["a"][9] is None and type(got["a"][11]) is int
