"""The report document: sections rendered into one self-contained HTML file, written with its PDF.

:func:`render_report_html` builds every section (:mod:`.sections`) from the results an
output of the mode may show (:func:`geolage.outputs.common.public_view`) and renders
``templates/report.html.j2`` with Jinja2's autoescaping; :func:`write_report` writes
``rapport.html`` and prints ``rapport.pdf`` (:mod:`.pdf`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

from ... import __version__
from ...focus import FocusArea, focus_areas_of
from ...run.results import RunResults
from ...run.steps.areas import current_window
from ...text.format import LANGUAGES
from ..common import check_mode, public_view
from ..names import output_name
from .blocks import Block
from .charts import without_figures
from .context import ReportContext, clean, css_string
from .pdf import PdfJob, start_pdf
from .sections import AREA_SECTIONS, OVERVIEW_SECTIONS, SECTIONS, Section, overview_is_short
from .sections.area import period_text

__all__ = ["render_report_html", "write_report"]

log = logging.getLogger(__name__)




def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language needs to be one of {', '.join(LANGUAGES)}; got {language!r}")
    return language


def _title(t: dict[str, str], name: str) -> str:
    """Report title; a project name that already says "Lägesbild" is used as it is."""
    head = t["title"].split(":", 1)[0].strip().lower()
    return name if name.lower().startswith(head) else t["title"].format(name=name)


def _section(ctx: ReportContext, section: Section) -> dict[str, Any]:
    """One section's anchor, title and blocks; a section that fails says so and the report goes on."""
    try:
        blocks: list[Block] = section.build(ctx)
    except Exception as exc:  # noqa: BLE001 - one broken part must not stop the report
        log.warning("report: section %s failed (%s: %s)", section.title_key, type(exc).__name__, exc)
        blocks = [{"type": "missing", "text": ctx.t["not_computed"].format(what=type(exc).__name__)}]
    return {"id": section.anchor, "title": ctx.t[section.title_key], "blocks": blocks}


def _environment():
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("the report needs jinja2: pip install jinja2") from exc
    return jinja2.Environment(
        loader=jinja2.PackageLoader("geolage", "templates"),
        autoescape=True, trim_blocks=False, lstrip_blocks=False,
    )


def render_report_html(results: RunResults, *, mode: str = "public", language: str | None = None,
                       figures: bool = True, area: FocusArea | None = None, overview: str | None = None,
                       shared: dict[str, Any] | None = None) -> str:
    """Render the report as one HTML string (see :func:`write_report`).

    Parameters
    ----------
    results : RunResults
    mode : {"public", "internal"}
    language : {"sv", "en"}, optional
        Default ``results.config.project.language``.
    figures : bool
        ``False`` leaves out charts and maps (a quick text-only check).
    area : FocusArea, optional
        Write the lägesbild of this focus area (:data:`.sections.AREA_SECTIONS`); default the
        municipal report.
    overview : {"auto", "short", "full"}, optional
        The municipal report's length (default ``results.config.output.overview``): ``"short"`` the
        overview beside the focus areas' lägesbilder (:data:`.sections.OVERVIEW_SECTIONS`),
        ``"full"`` every district and method (:data:`.sections.SECTIONS`), ``"auto"`` short when
        the run has focus areas.
    shared : dict, optional
        Parts the same in every report of the run, language and mode, made once
        (:meth:`ReportContext.once`): :func:`write_report` passes one dict to all its reports.

    Returns
    -------
    str
    """
    check_mode(mode)
    lang = _check_language(language or results.config.project.language)
    if mode == "internal" and results.public:
        raise ValueError("mode 'internal' needs the full results; these were already made public")
    ctx = ReportContext(public_view(results, mode, lang), lang, mode, area, shared)
    if area is not None:
        chosen = AREA_SECTIONS
    else:
        short = overview_is_short(overview or results.config.output.overview, bool(focus_areas_of(results)))
        chosen = OVERVIEW_SECTIONS if short else SECTIONS
    with without_figures(not figures):
        # a section with nothing to show for this run's data (e.g. rates without population) is left out
        sections = [sec for sec in (_section(ctx, s) for s in chosen) if sec["blocks"]]
    t, project, p = ctx.t, ctx.r.config.project, ctx.r.config.periods
    name = clean(project.name)
    banner = t["synthetic"] if project.synthetic else ""
    if area is None:
        title = _title(t, name)
        subtitle = t["subtitle"].format(start=p.start.isoformat(), end=p.end.isoformat())
        if chosen is OVERVIEW_SECTIONS:
            subtitle = f"{t['overview_title']} · {subtitle}"
    else:
        title = t["area_title"].format(area=clean(area.name))
        start, end = current_window(results)
        subtitle = t["area_subtitle"].format(current=period_text(start, end), first=p.start.year, last=p.end.year)
    return _environment().get_template("report.html.j2").render(
        lang=lang, version=__version__, title=title, subtitle=subtitle, compact=chosen is not SECTIONS,
        generated=t["generated"].format(date=dt.date.today().isoformat(), version=__version__),
        mode_label=t[mode], toc_label=t["toc"], banner=banner, banner_css=css_string(banner),
        footer_css=css_string(f"{name} · {t[mode]}"), sections=sections,
    )


def write_report(results: RunResults, out_dir: str | Path, *, mode: str = "public", language: str | None = None,
                 pdf: bool = True) -> dict[str, Path]:
    """Write the overview report and one lägesbild per focus area, HTML and (optionally) PDF.

    Files: ``rapport.html``/``.pdf`` and ``rapport_<area>.html``/``.pdf`` (``report…`` in
    English, :func:`geolage.outputs.names.output_name`).

    Parameters
    ----------
    results : RunResults
        The run. In ``public`` mode the report is written from its public view
        (:func:`geolage.outputs.common.public_view`; ``results`` is not changed).
    out_dir : str or Path
        Folder to write into (created if missing). Existing report files are replaced.
    mode : {"public", "internal"}
        ``public`` (default): small counts suppressed, no incident data.
    language : {"sv", "en"}, optional
        Default ``results.config.project.language``.
    pdf : bool
        Also print the HTML to PDF with headless Chromium. When Chromium is missing a
        :class:`~geolage.errors.GeolageWarning` is issued and only the HTML is written.

    Returns
    -------
    dict of str to Path
        ``{"html": .../rapport.html}``, ``"pdf"`` when the PDF was written, and
        ``"html_<area>"``/``"pdf_<area>"`` for each focus area.

    Notes
    -----
    Sections (Brå's structure): Sammanfattning, Data och metod (sources, data
    quality, coverage against Brå, parameters, run record), Utveckling över tid,
    Jämförelse med referensområden, Var problemen är störst, Tidsmönster,
    Fördjupning per brottskategori, Prognos och utvärdering, Begränsningar. A table
    that is missing gives a plain "not computed" note in its place.

    Examples
    --------
    >>> from geolage.outputs.report import write_report
    >>> paths = write_report(results, "ut/", mode="public")  # doctest: +SKIP
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = output_name("report", language or results.config.project.language)  # rapport / report
    jobs: dict[str, PdfJob] = {}  # printed side by side while the next report is drawn
    try:
        shared: dict[str, Any] = {}  # the appendix on data and method is drawn once for all reports
        paths = {"html": _write_html(render_report_html(results, mode=mode, language=language, shared=shared),
                                     out / f"{stem}.html")}
        if pdf:
            jobs["pdf"] = start_pdf(paths["html"], out / f"{stem}.pdf")
        for area in focus_areas_of(results):
            area_stem = f"{stem}_{area.slug}"
            text = render_report_html(results, mode=mode, language=language, area=area, shared=shared)
            paths[f"html_{area.slug}"] = _write_html(text, out / f"{area_stem}.html")
            if pdf:
                jobs[f"pdf_{area.slug}"] = start_pdf(paths[f"html_{area.slug}"], out / f"{area_stem}.pdf")
    except BaseException:
        for job in jobs.values():
            job.cancel()
        raise
    for key, job in jobs.items():
        if job.finish():
            paths[key] = job.pdf_path
            log.info("report written: %s", job.pdf_path)
    return {k: paths[k] for k in sorted(paths, key=_report_order(paths))}


def _report_order(paths: dict[str, Path]) -> Any:
    """Keys in the order of the files: each report's HTML, then its PDF."""
    names = [k for k in paths if k.startswith("html")]

    def key(k: str) -> tuple[int, int]:
        return names.index(k.replace("pdf", "html", 1)), int(k.startswith("pdf"))

    return key


def _write_html(text: str, html_path: Path) -> Path:
    """Write one report's HTML atomically."""
    tmp = html_path.with_name(f".{html_path.name}.part")
    tmp.write_bytes(text.encode("utf-8", errors="replace"))
    os.replace(tmp, html_path)
    log.info("report written: %s", html_path)
    return html_path
