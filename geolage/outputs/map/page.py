"""The interactive map ``karta.html`` (Leaflet through folium), self-contained and offline.

The map is one HTML file with Leaflet (and, in internal mode, leaflet.heat) inlined,
so it opens on a closed network and can be emailed. Every data layer is drawn by a
small script (``geolage/templates/map.js.j2``) from one JSON block embedded in the
page (:func:`geolage.outputs.map.data.map_data`); the page's own styles are in
``geolage/templates/map.css``. Background tiles (OpenStreetMap) are optional and the
page falls back to "Ingen bakgrund" when they cannot be loaded.

Every text that comes from input data (district and overlay names, category codes,
the project name) is HTML-escaped in Python before it reaches the page, the JSON
block is written so that it cannot close its ``<script>`` element, and the written
page allows only its own scripts (a Content-Security-Policy with their hashes).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from jinja2 import Template

from ...categories import ALL_CATEGORIES
from ...run.results import RunResults
from ...stats.rates import WHOLE_PERIOD
from .data import INCIDENTS_KEY, map_data, said
from .escape import esc, safe_inline, script_json
from .units import WGS84

__all__ = ["make_map", "write_map"]

log = logging.getLogger(__name__)

_OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Centre of a map of a run without any layer extent (Borås).
_DEFAULT_CENTRE = [57.721, 12.940]


# --------------------------------------------------------------------------- package files
def _static(name: str) -> str:
    """A vendored library file under ``geolage/static`` (Leaflet, leaflet.heat)."""
    return resources.files("geolage").joinpath("static", name).read_text(encoding="utf-8")


def _own_file(name: str) -> str:
    """The map's own script or styles under ``geolage/templates``."""
    return resources.files("geolage").joinpath("templates", name).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as data URLs."""
    css = _static("leaflet/leaflet.css")

    def inline(match: re.Match[str]) -> str:
        png = resources.files("geolage").joinpath("static", "leaflet", match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(png).decode("ascii") + ")"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


class _GeolageLayers(MacroElement):
    """The data JSON and the script that draws it (a child of the map)."""

    _template = Template(
        "{% macro html(this, kwargs) %}"
        '<script type="application/json" id="geolage-data">{{ this.data_json }}</script>'
        "{% endmacro %}"
        "{% macro script(this, kwargs) %}\n" + _own_file("map.js.j2") + "{% endmacro %}"
    )

    def __init__(self, data: Mapping[str, Any], background: str, language: str) -> None:
        super().__init__()
        self._name = "GeolageLayers"
        self.data_json = script_json(data)
        self.background = background
        self.osm_url = _OSM_URL
        # the codes as the data JSON writes them (English runs: all, whole_period)
        self.all_categories = said(ALL_CATEGORIES, language)
        self.whole_period = said(WHOLE_PERIOD, language)


# --------------------------------------------------------------------------- extent
def _wgs84_extent(results: RunResults) -> tuple[float, float, float, float] | None:
    for layer in (results.districts, results.study_area, results.grid):
        if isinstance(layer, gpd.GeoDataFrame) and not layer.empty and layer.crs is not None:
            return tuple(layer.to_crs(WGS84).total_bounds)  # type: ignore[return-value]
    return None


def _bounds(results: RunResults) -> list[list[float]] | None:
    ext = _wgs84_extent(results)
    if ext is None:
        return None
    w, s, e, n = ext
    return [[s, w], [n, e]]


def _centre(results: RunResults) -> list[float]:
    ext = _wgs84_extent(results)
    if ext is None:
        return list(_DEFAULT_CENTRE)
    w, s, e, n = ext
    return [(s + n) / 2, (w + e) / 2]


# --------------------------------------------------------------------------- the page
def _add_libraries(m: folium.Map, results: RunResults, heat: bool) -> None:
    """Leaflet (and leaflet.heat), the page's styles and title in the page header, inlined."""
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    root.title = esc(results.config.project.name, 200)
    root.header.add_child(Element('<meta name="referrer" content="no-referrer" />'), name="geolage_referrer")
    root.header.add_child(Element("<style>" + safe_inline(_leaflet_css()) + "</style>"), name="leaflet_css")
    root.header.add_child(Element("<style>\n" + _own_file("map.css") + "</style>"), name="geolage_css")
    root.header.add_child(
        Element("<script>" + safe_inline(_static("leaflet/leaflet.js")) + "</script>"), name="leaflet_js"
    )
    if heat:
        root.header.add_child(
            Element("<script>" + safe_inline(_static("leaflet.heat/leaflet-heat.js")) + "</script>"),
            name="leaflet_heat_js",
        )


def make_map(
    results: RunResults,
    *,
    mode: Literal["public", "internal"] = "public",
    language: str = "sv",
    background: Literal["osm", "none"] = "osm",
) -> folium.Map:
    """Build the interactive map of a run.

    Parameters
    ----------
    results : RunResults
        A finished run (tables ``rates_district``, ``gistar_*``, ``lisa_*``,
        ``emerging_grid``, rasters ``kde_<category>``, ``overlays``).
    mode : {"public", "internal"}
        ``"public"``: the public view of the run (no incident points, no
        internal-only tables, counts under ``config.output.min_count`` withheld).
        ``"internal"`` adds the incidents as a heat map.
    language : {"sv", "en"}
        Language of labels, legends and tooltips.
    background : {"osm", "none"}
        Background shown first: OpenStreetMap tiles (optional; the page falls back to
        no background offline) or none.

    Returns
    -------
    folium.Map
        A map that references no external script or stylesheet: Leaflet and
        leaflet.heat are inlined (``geolage/static``). Layers: district rates
        (choropleth, Fisher–Jenks classes), Gi*, LISA and emerging hot spot classes,
        density surfaces, boundary overlays; a layer control, a category/period
        selector and a legend per visible layer.

    Raises
    ------
    ValueError
        ``mode``, ``language`` or ``background`` is not one of the values above.

    Notes
    -----
    Density rasters are warped to Web Mercator (EPSG:3857) before they are drawn, so
    the image lines up with the vector layers. District outlines are simplified by
    5 m and coordinates rounded to 6 decimals; grid layers keep only significant
    cells.

    Examples
    --------
    >>> m = make_map(results, mode="public")  # doctest: +SKIP
    >>> m.save("karta.html")  # doctest: +SKIP
    """
    if background not in ("osm", "none"):
        raise ValueError(f"background needs to be 'osm' or 'none'; got {background!r}")
    data = map_data(results, mode=mode, language=language)
    m = folium.Map(location=_centre(results), zoom_start=12, tiles=None, control_scale=False,
                   zoom_snap=0.25, zoom_delta=0.5)
    _add_libraries(m, results, heat=data[INCIDENTS_KEY] is not None)
    m.add_child(_GeolageLayers(data, background, language))
    bounds = _bounds(results)
    if bounds is not None:
        m.fit_bounds(bounds)
    _stable_ids(m.get_root())
    n_layers = len(data["layers"]) + bool(data["density"]) + len(data["overlays"])
    log.info(
        "map: %d layers, %d categories, %d periods, mode %s",
        n_layers,
        len(data["categories"]),
        len(data["periods"]),
        mode,
    )
    return m


def _stable_ids(element: Any, place: str = "0") -> None:
    """Name every element of the page by its place in the page instead of folium's random hex id.

    Folium gives each element a random id (``map_34df9c…``), so two runs of the same data wrote
    different pages; ids from the element's class and position make the page the same byte for byte.
    Each element's children are keyed by their new names, as folium keys them when they are added.
    """
    element._id = hashlib.sha256(f"{type(element).__name__}/{place}".encode()).hexdigest()[:32]
    children = list(element._children.values())
    element._children.clear()
    for i, child in enumerate(children):
        _stable_ids(child, f"{place}/{i}")
        element._children[child.get_name()] = child


def _with_csp(page: str) -> str:
    """Add a Content-Security-Policy that lets only the page's own scripts run.

    Each inline script is allowed by its SHA-256 hash, so markup that slipped into
    the page (it should not: every input text is escaped) could still not run code,
    and nothing but the optional tiles may be fetched from the network.
    """
    hashes = []
    for match in re.finditer(r"<script(?P<attrs>[^>]*)>(?P<code>.*?)</script>", page, flags=re.S | re.I):
        if "application/json" in match.group("attrs"):
            continue
        digest = hashlib.sha256(match.group("code").encode("utf-8")).digest()
        hashes.append("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    tiles = _OSM_URL.split("/{", 1)[0]
    policy = (f"default-src 'none'; script-src {' '.join(hashes)}; style-src 'unsafe-inline'; "
              f"img-src data: {tiles}; base-uri 'none'; form-action 'none'")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}" />'
    return page.replace("<head>", "<head>\n" + meta, 1)


def write_map(
    results: RunResults,
    path: str | os.PathLike[str],
    *,
    mode: Literal["public", "internal"] = "public",
    language: str = "sv",
    background: Literal["osm", "none"] = "osm",
) -> Path:
    """Write the interactive map as one self-contained HTML file (atomically).

    Parameters
    ----------
    results : RunResults
    path : str or Path
        The HTML file to write (e.g. ``out/karta.html``); its folder must exist.
    mode, language, background
        As in :func:`make_map`.

    Returns
    -------
    Path
        The written file. It is written to a temporary file in the same folder and
        renamed, so a failed run leaves no half-written map.

    Notes
    -----
    Unlike ``make_map(...).save(path)``, the written page also declares its language
    and a Content-Security-Policy that allows only its own inline scripts (by hash)
    and no network access except the optional OpenStreetMap tiles.
    """
    path = Path(path)
    page = make_map(results, mode=mode, language=language, background=background).get_root().render()
    page = _with_csp(page.replace("<html>", f'<html lang="{language}">', 1))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:  # mode from the umask, like any output
            fh.write(page)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("map written: %s (%.0f kB)", path, path.stat().st_size / 1024)
    return path
