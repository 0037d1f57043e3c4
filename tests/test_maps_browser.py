"""The interactive map in a real headless chromium with no network (Debian's chromium).

Skipped when chromium is absent, except in CI (``CI=true``) where that is a failure.
Screenshots go to ``$GEOLAGE_TEST_ARTIFACTS`` or ``tests/artifacts/``.
"""

from __future__ import annotations

import json

import pytest
from browser import Browser, artifacts_dir, require_chromium
from fixtures_results import HOSTILE_NAMES, make_results

from geolage.outputs.map import write_map

pytestmark = pytest.mark.browser

TILE_HOST = "https://tile.openstreetmap.org/"


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with Browser(width=1280, height=860, offline=True) as b:
        yield b


def _errors(b: Browser) -> list[dict]:
    """Console errors and exceptions, except failed background tiles (expected offline)."""
    return [e for e in b.console_errors if not e["url"].startswith(TILE_HOST)]


def _load(b: Browser, path) -> None:
    b.clear()
    b.open(path)
    b.wait_for("window.geolage && window.geolage.ready === true")
    b.pause(0.5)


def _show_all_layers(b: Browser) -> None:
    b.evaluate("Object.values(geolage.layers).forEach(function (l) { l.addTo(geolage.map); });"
               "geolage.map.fire('overlayadd'); 0")
    b.pause(0.5)


def test_public_map_draws_offline_without_errors(browser, tmp_path):
    path = write_map(make_results(), tmp_path / "karta.html", mode="public", background="none")
    _load(browser, path)
    assert browser.evaluate("typeof L === 'object' && L.version") == "1.9.4"
    assert browser.evaluate("geolage.map instanceof L.Map")
    # District choropleth (6 districts) and the two overlay outlines are drawn.
    assert browser.evaluate("geolage.map.hasLayer(geolage.layers.rates_district)")
    n_paths = browser.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert n_paths >= 6
    assert browser.evaluate("document.querySelectorAll('.geolage-legend .row').length") >= 5
    assert browser.evaluate("document.querySelector('.geolage-title').textContent").startswith("Lägesbild Borås")
    assert "Syntetiska demodata" in browser.evaluate("document.querySelector('.geolage-banner').textContent")
    browser.screenshot(artifacts_dir() / "karta_public.png")
    _show_all_layers(browser)
    assert browser.evaluate("document.querySelectorAll('path.leaflet-interactive').length") > n_paths
    # The density overlay image is present and decoded (it is a data: URL, no request).
    assert browser.wait_for("(function () { var i = document.querySelector('img.geolage-density');"
                            " return i && i.complete && i.naturalWidth > 0; })()")
    legend = browser.evaluate("document.querySelector('.geolage-legend').textContent")
    for title in ("Brott per 1 000 invånare", "LISA-kluster", "Hot spots (Gi*)", "Framväxande", "Täthet"):
        assert title in legend
    assert browser.evaluate("geolage.layers.incidents === undefined")
    browser.screenshot(artifacts_dir() / "karta_public_all_layers.png")
    assert _errors(browser) == []
    # No request left the machine: only the page itself (file:) and inlined data: URLs.
    assert [u for u in browser.requests if not u.startswith(("file:", "data:"))] == []


def test_category_and_period_selection_redraws(browser, tmp_path):
    path = write_map(make_results(), tmp_path / "karta.html", mode="public", background="none")
    _load(browser, path)
    _show_all_layers(browser)
    before = browser.evaluate("document.querySelector('.geolage-legend').innerHTML")
    browser.evaluate("var s = document.getElementById('geolage-category'); s.value = '1';"
                     "s.dispatchEvent(new Event('change')); 0")
    browser.evaluate("var p = document.getElementById('geolage-period'); p.value = '2';"
                     "p.dispatchEvent(new Event('change')); 0")
    browser.pause(0.3)
    assert browser.evaluate("[geolage.state.cat, geolage.state.per]") == [1, 2]
    assert browser.evaluate("document.querySelector('.geolage-legend').innerHTML") != before
    assert browser.evaluate("document.querySelectorAll('path.leaflet-interactive').length") > 6
    # the misshandel density surface is shown now
    assert browser.evaluate("document.querySelectorAll('img.geolage-density').length") == 1
    browser.screenshot(artifacts_dir() / "karta_public_misshandel_2024.png")
    assert _errors(browser) == []


def test_internal_map_with_hostile_names_runs_no_injected_code(browser, tmp_path):
    path = write_map(make_results(hostile=True), tmp_path / "karta.html", mode="internal")
    _load(browser, path)
    _show_all_layers(browser)
    browser.pause(0.5)
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('script').length") == 5  # 2 libraries, data, map, folium
    assert browser.evaluate("document.querySelectorAll('img[src=x], img[onerror]').length") == 0
    # The hostile district name is shown as text in its tooltip.
    tip = browser.evaluate(
        "(function () { var g = geolage.layers.rates_district.getLayers()[0];"
        " g.openTooltip(g.getBounds().getCenter()); return g.getTooltip().getElement().textContent; })()")
    assert HOSTILE_NAMES[0] in tip
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelector('.geolage-title').textContent").startswith("<script>")
    # Heat map of the incidents (internal only) is drawn on its canvas.
    assert browser.evaluate("geolage.layers.incidents.count") == 240
    assert browser.evaluate("document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 1
    assert "INTERN" in browser.evaluate("document.querySelector('.geolage-title').textContent")
    browser.screenshot(artifacts_dir() / "karta_internal_hostile.png")
    errors = _errors(browser)
    assert errors == [], json.dumps(errors, indent=1)
    # Offline, the only outside requests are the optional background tiles.
    outside = [u for u in browser.requests if not u.startswith(("file:", "data:"))]
    assert outside and all(u.startswith(TILE_HOST) for u in outside)
    # ...and the page falls back to "Ingen bakgrund".
    browser.wait_for("document.querySelector('.geolage-note') !== null")


def test_english_map_loads(browser, tmp_path):
    path = write_map(make_results(), tmp_path / "map.html", mode="public", language="en", background="none")
    _load(browser, path)
    assert browser.evaluate("document.documentElement.lang") == "en"
    assert "Category" in browser.evaluate("document.querySelector('.geolage-selector').textContent")
    assert _errors(browser) == []


def test_content_security_policy_blocks_markup_that_slipped_in(browser, tmp_path):
    """Defence in depth: even markup injected into the file after escaping cannot run."""
    path = write_map(make_results(), tmp_path / "karta.html", mode="public", background="none")
    text = path.read_text(encoding="utf-8")
    injected = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    path.write_text(text.replace("</body>", injected + "</body>", 1), encoding="utf-8")
    _load(browser, path)
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("geolage.ready") is True  # the page's own scripts still run
    assert any("Content Security Policy" in e["text"] for e in browser.console_errors)
