"""The lägesbild report: one self-contained HTML file (``rapport.html``) and its PDF.

The report follows Brå's structure for a local crime situation picture
(kartläggning → lägesbild → åtgärder): summary, data and method, development over
time, comparison with reference areas, where problems are greatest, time patterns,
deep dives per crime category, forecast with its evaluation, and limitations. It
reads the result tables of a :class:`~geolage.run.results.RunResults` through their
schemas (:mod:`geolage.run.schemas`) and says plainly when a part was not computed.

In ``public`` mode (the default) the report is written from the public view of the
results (:func:`geolage.outputs.common.public_view`): no incident points, counts under
``output.min_count`` shown as "<5 (dolt)", no free text. Every text that comes from
input data is HTML-escaped by Jinja2's autoescaping. Charts and maps are PNG images
embedded as ``data:`` URIs; CSS is inline; the file loads nothing from the network.

Modules:

- :mod:`.document`: :func:`render_report_html` and :func:`write_report`.
- :mod:`.context`: what every section reads (tables, texts, number format).
- :mod:`.sections`: one module per section, in the report's order.
- :mod:`.blocks`: paragraphs, lists, tables and figures as the template renders them.
- :mod:`.select`: which rows of a table the report shows.
- :mod:`.charts`: matplotlib charts and static maps.
- :mod:`.pdf`: printing the HTML to PDF with headless Chromium.

The words are in :mod:`geolage.text.report`; numbers are written by
:mod:`geolage.text.format`.
"""

from __future__ import annotations

from .document import render_report_html, write_report
from .pdf import find_chromium, html_to_pdf

__all__ = ["write_report", "render_report_html", "html_to_pdf", "find_chromium"]
