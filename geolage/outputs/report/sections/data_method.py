"""2. Data and method: sources, data quality, coverage against Brå, parameters chosen, the run record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ....run import schemas
from ....text.format import format_number
from ...names import output_text
from ...record import for_output
from .. import charts
from ..blocks import Block, cell, figure_block, heading, kv_table, paragraph, present
from ..context import ReportContext, clean, year_text
from ..select import coverage_by_year
from .hotspot_area import method_area

__all__ = ["data_method"]


def _sources(ctx: ReportContext) -> list[Block]:
    """The input files used, and the optional inputs this run did without."""
    t, cfg = ctx.t, ctx.r.config
    used = [f"{clean(s.name)} ({clean(Path(s.path).name)})" for s in cfg.sources]
    if cfg.districts is not None:
        used.append(clean(Path(cfg.districts.path).name))
    if cfg.project.bra_totals:  # a Swedish source: named only when it was used
        used.append(t["src_bra"])
    not_used = []
    pop_table = cfg.districts.population_table if cfg.districts is not None else None
    for given, key in ((pop_table, "src_pop"),
                       (cfg.areas.reference_rates, "src_ref"), (cfg.overlays or None, "src_overlays")):
        (used if given else not_used).append(t[key])
    blocks = [heading(t["sources"]), paragraph(t["sources_used"].format(names=", ".join(used)))]
    drawn = (ctx.r.parameters or {}).get(schemas.DISTRICTS.name, {}).get("drawn_from_incident_column")
    if drawn:  # districts from `geolage init --districts-from`: say they are approximate
        blocks.append(paragraph(t["derived_districts"].format(column=clean(drawn))))
    if not_used:
        blocks.append(paragraph(t["not_used"].format(names=", ".join(not_used))))
    return blocks


def _source_tables(ctx: ReportContext, per_source: dict[str, Any]) -> list[Block]:
    """Rows read, accepted and rejected per source; rejects by reason; automatic fixes."""
    t = ctx.t
    rows, reasons, fixes = [], {}, {}
    for name, s in per_source.items():
        s = s if isinstance(s, dict) else {}
        rows.append([cell(clean(name))] + [cell(ctx.num(s.get(k)), num=True) for k in ("read", "accepted", "rejected")])
        for reason, n in (s.get("rejected_by_reason") or {}).items():
            reasons[(name, reason)] = n
        fx = s.get("fixes")
        for fix, n in (fx.items() if isinstance(fx, dict) else []):
            fixes[(name, fix)] = n
    blocks: list[Block] = [{
        "type": "table", "caption": t["quality_caption"], "note": "",
        "columns": [{"label": t["col_source"], "num": False}]
        + [{"label": t[c], "num": True} for c in ("col_read", "col_accepted", "col_rejected")],
        "rows": rows,
    }]
    for caption, data, label in ((t["rejects_caption"], reasons, t["col_reason"]),
                                 (t["fixes_caption"], fixes, t["col_fix"])):
        if data:
            blocks.append({"type": "table", "caption": caption, "note": "",
                           "columns": [{"label": t["col_source"], "num": False}, {"label": label, "num": False},
                                       {"label": t["col_rows"], "num": True}],
                           "rows": [[cell(clean(s)), cell(clean(k)), cell(ctx.num(n), num=True)]
                                    for (s, k), n in data.items()]})
    return blocks


def _quality(ctx: ReportContext) -> list[Block]:
    """Data quality: the source tables, masked personal identity numbers, offences outside every district."""
    t = ctx.t
    q = ctx.r.quality or {}
    per_source = q.get("per_source") if isinstance(q.get("per_source"), dict) else {}
    blocks = [heading(t["quality"])]
    blocks += _source_tables(ctx, per_source) if per_source else [{"type": "missing", "text": t["no_quality"]}]
    if "personnummer_masked" in q:
        blocks.append(paragraph(t["pnr_masked"].format(n=ctx.num(q["personnummer_masked"]))))
    if "outside_districts" in q:
        n = q["outside_districts"]
        n = n.get("count", n.get("n")) if isinstance(n, dict) else n
        blocks.append(paragraph(t["outside"].format(n=ctx.num(n))))
    return blocks


def _coverage(ctx: ReportContext) -> list[Block | None]:
    """Coverage against Brå: chart and table per year and offence group."""
    t = ctx.t
    cv = ctx.table(schemas.COVERAGE)
    if not ctx.r.config.project.bra_totals:  # a Swedish source: no section when it was not used
        return []
    if cv is None:
        return [heading(t["coverage_heading"]), ctx.missing(schemas.COVERAGE)]
    blocks = [heading(t["coverage_heading"]), figure_block(charts.coverage_chart(ctx, cv), t["coverage_fig"])]
    piv = coverage_by_year(cv)
    if piv is not None:
        rows = [[cell(year_text(y))] + [cell(ctx.pct(v, share=True), num=True) for v in piv.loc[y]]
                for y in piv.index]
        blocks.append({"type": "table", "caption": t["coverage_caption"], "note": "",
                       "columns": [{"label": t["col_year"], "num": False}]
                       + [{"label": clean(g), "num": True} for g in piv.columns], "rows": rows})
    return blocks


def _plain(value: Any) -> str:
    """A parameter or record value as plain text: JSON for containers, floats with up to 3 decimals."""
    if isinstance(value, dict | list | tuple):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float):
        return format_number(value, "en", 3 if not value.is_integer() else 0).replace(",", "")
    return str(value)


def _parameters(ctx: ReportContext) -> list[Block]:
    """Every parameter each step used, automatically chosen ones included."""
    t = ctx.t
    other = "_sv" if ctx.lang == "en" else "_en"  # a text recorded in both languages: only the report's
    said = output_text(for_output(ctx.r, ctx.r.parameters or {}), ctx.lang)  # English runs: English codes
    rows = [[cell(clean(step)), cell(clean(key)), cell(clean(_plain(value), 200), cls="mono")]
            for step, params in said.items() for key, value in (params or {}).items()
            if not key.endswith(other)]
    return [heading(t["parameters"]),
            {"type": "table", "caption": t["parameters_caption"], "note": "",
             "columns": [{"label": t["col_step"], "num": False}, {"label": t["col_parameter"], "num": False},
                         {"label": t["col_value"], "num": False}], "rows": rows}]


def _record_rows(ctx: ReportContext) -> list[tuple[str, str]]:
    """The run record as (item, value) rows: mode, config hash, input hashes, versions, seed and the rest."""
    rec, t = for_output(ctx.r, ctx.r.record or {}), ctx.t
    rec = {k: v if k in ("input_sha256", "input_hashes") else output_text(v, ctx.lang) for k, v in rec.items()}
    rows: list[tuple[str, str]] = [(t["rec_mode"], t[ctx.mode])]
    named = {"config_hash": "rec_config_hash", "config_sha256": "rec_config_hash", "seed": "rec_seed"}
    lists = {"input_hashes": "rec_input_hashes", "input_sha256": "rec_input_hashes", "versions": "rec_versions",
             "packages": "rec_versions"}
    for key, value in rec.items():
        if key in lists and isinstance(value, dict):
            rows.extend((f"{t[lists[key]]}: {k}", _plain(v)) for k, v in value.items())
        elif key == "config":
            continue
        else:
            rows.append((t[named[key]] if key in named else key, _plain(value)))
    if "seed" not in rec:
        rows.append((t["rec_seed"], str(ctx.r.config.project.seed)))
    return rows


def has_population(ctx: ReportContext) -> bool:
    """Whether any district has a population (else the run has no rates per resident)."""
    d = ctx.r.districts
    return d is not None and "population" in d.columns and bool(d["population"].notna().any())


def _method_notes(ctx: ReportContext) -> list[Block]:
    """Rates per resident, or one sentence why there are none; a run without districts says so."""
    t = ctx.t
    blocks = [paragraph(t["method_rates"].format(per=ctx.num(ctx.per)) if has_population(ctx)
                        else t["method_no_population"])]
    if ctx.r.config.districts is None:
        blocks.append(paragraph(t["method_grid_only"].format(area=clean(ctx.r.config.project.name))))
    if ctx.mode == "public":  # rule 11 of the disclosure control: earlier releases (run.disclosure_release)
        said = (ctx.r.record or {}).get("disclosure") or {}
        releases = said.get("earlier_releases") or []
        folders = ", ".join(f"{clean(Path(r['folder']).name)} {str(r.get('finished_utc', ''))[:10]}".strip()
                            for r in releases)
        blocks.append(paragraph(t["method_releases"].format(
            n=ctx.num(len(releases)), folders=folders, kept=ctx.num(sum((said.get("kept_hidden") or {}).values())))
            if releases else t["method_no_releases"]))
        cell = next((r.parameters.get("public_grid_cell_size") for r in ctx.r.rasters.values()
                     if r.parameters.get("public_grid_cell_size")), None)
        if cell:
            blocks.append(paragraph(t["method_raster_cells"].format(cell=ctx.num(cell, 0))))
    return blocks + method_area(ctx)


def data_method(ctx: ReportContext) -> list[Block]:
    """The data and method section (the same in every report of a run: made once, see :meth:`ReportContext.once`)."""
    return ctx.once("data_method", lambda: _data_method(ctx))


def _data_method(ctx: ReportContext) -> list[Block]:
    t = ctx.t
    return present([
        paragraph(t["method_text"]),
        *_method_notes(ctx),
        *_sources(ctx),
        *_quality(ctx),
        *_coverage(ctx),
        *_parameters(ctx),
        heading(t["record"]),
        kv_table(t["record_caption"], _record_rows(ctx), (t["col_key"], t["col_value"]), mono=True),
    ])
