"""The map at a glance in headless chromium: focus areas named, zoom-to control, legends, scale, phone layout.

Skipped when chromium is absent, except in CI (``CI=true``) where that is a failure.
Screenshots go to ``$GEOLAGE_TEST_ARTIFACTS`` or ``tests/artifacts/``.
"""

from __future__ import annotations

import pytest
from browser import Browser, artifacts_dir, require_chromium
from fixtures_results import make_results

from geolage.outputs.map import write_map

pytestmark = pytest.mark.browser

TILE_HOST = "https://tile.openstreetmap.org/"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    return write_map(make_results(), tmp_path_factory.mktemp("karta") / "karta.html", mode="public",
                     background="none")


def _load(b: Browser, path) -> None:
    b.clear()
    b.open(path)
    b.wait_for("window.geolage && window.geolage.ready === true")
    b.pause(0.5)


def _errors(b: Browser) -> list[dict]:
    return [e for e in b.console_errors if not e["url"].startswith(TILE_HOST)]


@pytest.fixture(scope="module")
def desktop(page):
    require_chromium()
    with Browser(width=1280, height=860, offline=True) as b:
        _load(b, page)
        yield b


_VISIBLE_LABELS = """(function () {
  var box = geolage.map.getContainer().getBoundingClientRect();
  return Array.prototype.filter.call(document.querySelectorAll('SEL'), function (el) {
    var r = el.getBoundingClientRect();
    return el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden' && r.width > 0 &&
      r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
  }).map(function (el) { return el.textContent; });
})()"""


def test_focus_areas_are_named_at_the_start_zoom(desktop):
    names = [f["name"] for f in desktop.evaluate("geolage.data.focus")]
    assert names
    shown = desktop.evaluate(_VISIBLE_LABELS.replace("SEL", ".geolage-focus-label"))
    assert sorted(shown) == sorted(names)
    desktop.screenshot(artifacts_dir() / "karta_start.png")
    assert _errors(desktop) == []


def test_labels_do_not_overlap_controls(desktop):
    overlaps = desktop.evaluate("""(function () {
      var ctl = Array.prototype.map.call(document.querySelectorAll('.leaflet-control'),
        function (c) { return c.getBoundingClientRect(); });
      var n = 0;
      document.querySelectorAll('.geolage-label').forEach(function (el) {
        if (el.offsetParent === null || getComputedStyle(el).visibility === 'hidden') { return; }
        var r = el.getBoundingClientRect();
        ctl.forEach(function (b) {
          if (r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom) { n += 1; }
        });
      });
      return n;
    })()""")
    assert overlaps == 0


def test_zoom_to_control_frames_each_focus_area(desktop):
    targets = desktop.evaluate("geolage.data.zoom")
    assert len(targets) >= 2
    start = desktop.evaluate("geolage.map.getZoom()")
    for i, target in enumerate(targets[1:], start=1):
        desktop.evaluate(f"var z = document.getElementById('geolage-zoom'); z.value = '{i}';"
                         "z.dispatchEvent(new Event('change')); 0")
        desktop.pause(0.6)
        (s, w), (n, e) = target["bounds"]
        inside = desktop.evaluate(f"geolage.map.getBounds().contains(L.latLngBounds([[{s},{w}],[{n},{e}]]))")
        centre = desktop.evaluate("(function () { var c = geolage.map.getCenter(); return [c.lat, c.lng]; })()")
        assert inside
        assert s <= centre[0] <= n and w <= centre[1] <= e
        assert desktop.evaluate("geolage.map.getZoom()") > start
    desktop.evaluate("geolage.zoomTo(0); 0")
    desktop.pause(0.5)


def test_legends_say_unit_and_period_and_never_repeat_a_break(desktop):
    desktop.evaluate("Object.values(geolage.layers).forEach(function (l) { l.addTo(geolage.map); });"
                     "geolage.map.fire('overlayadd'); 0")
    desktop.pause(0.4)
    n_cat = desktop.evaluate("geolage.data.categories.length")
    n_per = desktop.evaluate("geolage.data.periods.length")
    for cat in range(n_cat):
        for per in range(n_per):
            desktop.evaluate(f"geolage.select({cat}, {per}); 0")
            blocks = desktop.evaluate("Array.prototype.map.call(document.querySelectorAll('.geolage-legend .block'),"
                                      " function (b) { return Array.prototype.map.call(b.querySelectorAll('.row'),"
                                      " function (r) { return r.textContent; }); })")
            for rows in blocks:
                assert len(rows) == len(set(rows)), rows
    desktop.evaluate("geolage.select(0, 0); 0")
    legend = desktop.evaluate("document.querySelector('.geolage-legend').textContent")
    assert "invånare och år" in legend and "hela perioden" in legend
    assert "brott per km²" in legend and "inte per år" in legend
    assert "hot spot är en plats" in legend
    desktop.screenshot(artifacts_dir() / "karta_legends.png")


def test_scale_bar_is_metric_only(desktop):
    lines = desktop.evaluate("Array.prototype.map.call(document.querySelectorAll('.leaflet-control-scale-line'),"
                             " function (l) { return l.textContent; })")
    assert len(lines) == 1
    assert lines[0].endswith((" m", " km"))


def test_phone_legend_starts_folded_and_leaves_half_the_map_free(page):
    require_chromium()
    with Browser(width=390, height=844, offline=True) as b:
        _load(b, page)
        assert b.evaluate("document.querySelector('.geolage-legend').classList.contains('geolage-collapsed')")
        assert b.evaluate("getComputedStyle(document.querySelector('.geolage-legend-body')).display") == "none"
        covered = b.evaluate("""(function () {
          var box = geolage.map.getContainer().getBoundingClientRect();
          var step = 5, free = 0, all = 0;
          var els = Array.prototype.slice.call(document.querySelectorAll('.leaflet-control, .geolage-title'));
          var rects = els.map(function (e) { return e.getBoundingClientRect(); });
          for (var x = box.left; x < box.right; x += step) {
            for (var y = box.top; y < box.bottom; y += step) {
              all += 1;
              if (!rects.some(function (r) { return x >= r.left && x < r.right && y >= r.top && y < r.bottom; })) {
                free += 1;
              }
            }
          }
          return 1 - free / all;
        })()""")
        assert covered < 0.5
        b.screenshot(artifacts_dir() / "karta_phone.png")
        b.evaluate("document.querySelector('.geolage-legend-toggle').click(); 0")
        b.pause(0.3)
        assert b.evaluate("getComputedStyle(document.querySelector('.geolage-legend-body')).display") != "none"
        b.screenshot(artifacts_dir() / "karta_phone_legend_open.png")
        assert _errors(b) == []


def test_demo_map_rates_against_the_municipality(demo_run):
    """The demo's own map: rates against the municipality, no repeated break, focus names apart, no errors."""
    require_chromium()
    _, out = demo_run
    with Browser(width=1280, height=860, offline=True) as b:
        _load(b, out / "karta.html")
        rows = b.evaluate("Array.prototype.map.call(document.querySelectorAll('.geolage-legend .block'),"
                          " function (b) { return Array.prototype.map.call(b.querySelectorAll('.row'),"
                          " function (r) { return r.textContent; }); })")
        rates = next(block for block in rows if any("som kommunen" in r for r in block))
        assert len(rates) == len(set(rates)) and len([r for r in rates if "kommunen" in r]) == 5
        legend = b.evaluate("document.querySelector('.geolage-legend').textContent")
        assert "Färgen jämför med hela kommunen" in legend and "invånare och år" in legend
        names = [f["name"] for f in b.evaluate("geolage.data.focus")]
        assert sorted(b.evaluate(_VISIBLE_LABELS.replace("SEL", ".geolage-focus-label"))) == sorted(names)
        overlaps = b.evaluate("""(function () {
          var r = Array.prototype.map.call(document.querySelectorAll('.geolage-focus-label'),
            function (el) { return el.getBoundingClientRect(); });
          var n = 0;
          for (var i = 0; i < r.length; i += 1) { for (var j = i + 1; j < r.length; j += 1) {
            if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) {
              n += 1; } } }
          return n;
        })()""")
        assert overlaps == 0  # Norrby and Hässleholmen/Hulta lie side by side at the start zoom
        b.screenshot(artifacts_dir() / "karta_demo_rates.png")
        assert _errors(b) == []
