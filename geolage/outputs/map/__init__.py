"""The interactive map ``karta.html``: its data (:mod:`.data`) and the self-contained Leaflet page (:mod:`.page`).

- :mod:`.data`: :func:`map_data`, everything the map draws as JSON (built from
  :mod:`.layers` for district/grid layers, :mod:`.density` for density images,
  :mod:`.units` for the places, :mod:`.escape` for text from input data).
- :mod:`.page`: :func:`make_map` (folium/Leaflet wiring) and :func:`write_map`
  (the HTML file with its Content-Security-Policy). The page's script and styles are
  ``geolage/templates/map.js.j2`` and ``map.css``; Leaflet is vendored in ``geolage/static``.
"""

from .data import map_data
from .layers import MAP_STYLES
from .page import make_map, write_map

__all__ = ["write_map", "make_map", "map_data", "MAP_STYLES"]
