"""The statistics step of a run: rates, comparisons, trends, time patterns and concentration per area."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from ...config import Config
from ...focus import FocusArea, area_groups, focus_areas_of
from ...neighbours import read_weights
from ...stats.areas import period_change, period_change_published
from ...stats.compare import ALL_FOCUS_AREAS, area_parts, compare_areas, coverage, focus_area_rows, funnel_table
from ...stats.concentration import concentration_table, lorenz_table, stability_table
from ...stats.rates import count_incidents, district_rates
from ...stats.timepatterns import month_of_year, weekday_hour
from ...stats.trends import WHOLE_AREA, analysis_areas, make_series, trend_table, year_to_date
from ...text import tables as T
from ...text.trends import area_name, direction_words
from .. import schemas
from ..results import RunResults

__all__ = ["add_statistics", "TABLE_NAMES"]

log = logging.getLogger(__name__)

#: Tables added by :func:`add_statistics` (``coverage`` only with Brå totals).
TABLE_NAMES = tuple(s.name for s in schemas.TABLES.values() if s.step == "statistics")


@dataclass
class _Span:
    """The data every part of the step reads: the run's config, districts and the analysed span."""

    config: Config
    incidents: gpd.GeoDataFrame
    in_span: pd.Series
    districts: gpd.GeoDataFrame
    categories: list[str]
    population: pd.DataFrame | None
    focus_areas: list[FocusArea]

    @property
    def span_incidents(self) -> gpd.GeoDataFrame:
        return self.incidents.loc[self.in_span]

    @property
    def periods(self) -> Any:
        return self.config.periods


def _span(results: RunResults) -> _Span:
    per = results.config.periods
    inc = results.incidents
    districts = results.districts.copy()
    districts.index = districts.index.astype(str)
    for col in ("is_focus", "is_reference"):
        if col not in districts:
            districts[col] = False
    t = pd.to_datetime(inc["time"])
    in_span = (t >= pd.Timestamp(per.start)) & (t < pd.Timestamp(per.end) + pd.Timedelta(days=1))
    categories = sorted(inc.loc[in_span, "category"].dropna().unique())
    return _Span(results.config, inc, in_span, districts, categories, results.inputs.population,
                 focus_areas_of(results))


def _add_rates(results: RunResults, s: _Span) -> tuple[pd.DataFrame, str]:
    """Counts and rates per district (``rates_district``, ``counts_source``); the EB neighbourhood used."""
    st, per = s.config.statistics, s.periods
    weights, eb_weights = None, "Queen contiguity"
    if s.config.hotspots.district_weights is not None:  # the user's district neighbours (GAL/GWT), as for hotspots
        weights = read_weights(s.config.hotspots.district_weights, ids=s.districts.index)
        eb_weights = f"file {s.config.hotspots.district_weights.name}"
    rd = district_rates(s.incidents, s.districts, unit=per.unit, start=per.start, end=per.end,
                        categories=s.categories, population_table=s.population, weights=weights,
                        rate_per=st.rate_per, confidence=st.confidence)
    rate_per = {"sv": f"{st.rate_per:,}".replace(",", " "), "en": f"{st.rate_per:,}"}
    results.add_table(schemas.RATES_DISTRICT.table(rd, description=T.RATES_DISTRICT_DESCRIPTION.format(
        rate_per=rate_per)))
    cs = count_incidents(s.incidents, by="district_id", keys=list(s.districts.index), unit=per.unit,
                         start=per.start, end=per.end, categories=s.categories, by_source=True)
    cs.insert(1, "district_name", cs["district_id"].map(s.districts["district_name"]))
    results.add_table(schemas.COUNTS_SOURCE.table(cs))
    return pd.DataFrame(rd.drop(columns="geometry")), eb_weights


def _add_comparisons(results: RunResults, s: _Span, rates: pd.DataFrame) -> dict[str, Any]:
    """Focus areas against the reference (``comparison``) and the funnel plot (``funnel``)."""
    st, d = s.config.statistics, s.districts
    groups = area_groups(s.focus_areas)
    focus = [m for _, _, members in groups for m in members]
    ref_cfg = s.config.areas.reference
    if isinstance(ref_cfg, str) and ref_cfg in ("rest", "all"):
        reference: str | list[str] = ref_cfg
    else:
        reference = list(d.index[d["is_reference"].fillna(False).astype(bool)])
    ref_rates = results.inputs.reference_rates
    names = dict(zip(d.index, d["district_name"].astype(str), strict=True))
    lang = s.config.project.language
    comp = compare_areas(rates, focus=focus, reference=reference, reference_rates=ref_rates, names=names,
                         rate_per=st.rate_per, confidence=st.confidence,
                         union_name=area_name(ALL_FOCUS_AREAS, lang), groups=groups)
    parts = area_parts(focus_area_rows(groups, names))
    results.add_table(schemas.COMPARISON.table(comp, area_parts=parts))
    results.add_table(schemas.FUNNEL.table(funnel_table(rates, rate_per=st.rate_per)))
    return {
        "reference": reference if isinstance(reference, str) else f"{len(reference)} reference districts",
        "reference_rates": str(s.config.areas.reference_rates) if ref_rates is not None else None,
        "focus_areas": [f"{a.name}: {len(a.district_ids)} districts" for a in s.focus_areas],
    }


def _add_coverage(results: RunResults, s: _Span) -> list[int]:
    """The data's coverage of Brå's reported offences per full year (``coverage``); the years covered."""
    bra = results.inputs.bra_totals
    if bra is None:
        log.info("statistics: no Brå totals configured (project.bra_totals); the coverage table is left out")
        return []
    start, end = pd.Timestamp(s.periods.start), pd.Timestamp(s.periods.end)
    full_years = [y for y in range(start.year, end.year + 1)
                  if pd.Timestamp(year=y, month=1, day=1) >= start and pd.Timestamp(year=y, month=12, day=31) <= end]
    inc = s.span_incidents
    dc = pd.DataFrame({"year": pd.to_datetime(inc["time"]).dt.year.to_numpy(), "category": inc["category"].to_numpy()})
    dc = dc.groupby(["year", "category"]).size().rename("count").reset_index()
    cov = coverage(dc, bra, years=full_years)
    results.add_table(schemas.COVERAGE.table(cov))
    return sorted(cov["year"].unique().tolist())


def _add_development(results: RunResults, s: _Span) -> None:
    """Time series, trends and the year to date per area (``series``, ``trend``, ``year_to_date``)."""
    per, st = s.periods, s.config.statistics
    lang = s.config.project.language  # the added areas' names, as the trend words, in the run's language
    areas = analysis_areas(s.districts, union_name=area_name(ALL_FOCUS_AREAS, lang),
                           whole_name=area_name(WHOLE_AREA, lang), groups=area_groups(s.focus_areas))
    parts = area_parts(areas)
    units = ["year"] + [u for u in ("quarter", "month") if u != "year"]
    series = make_series(s.incidents, s.districts, units=units, start=per.start, end=per.end,
                         categories=s.categories, population_table=s.population, areas=areas)
    results.add_table(schemas.SERIES.table(series, area_parts=parts))
    tr = direction_words(trend_table(series, s.incidents, s.districts, start=per.start, end=per.end,
                                     baseline=per.baseline, current=per.current, areas=areas,
                                     confidence=st.confidence), s.config.project.language)
    results.add_table(schemas.TREND.table(tr, area_parts=parts))
    ytd = year_to_date(s.span_incidents, s.districts, as_of=per.end, start=per.start, categories=s.categories,
                       areas=areas)
    results.add_table(schemas.YEAR_TO_DATE.table(ytd, description=T.YEAR_TO_DATE_DESCRIPTION.format(
        end_sv=f"{per.end:%d/%m}", end_en=f"{per.end:%d %b}"), area_parts=parts))


def _add_period_change(results: RunResults, s: _Span) -> list[str]:
    """Each focus area with a previous lägesbild: its current period against that one (``period_change``)."""
    per, st = s.periods, s.config.statistics
    with_previous = [a for a in s.focus_areas if a.previous is not None]
    if not with_previous:
        return []
    current = per.current or (max(per.start, per.end - dt.timedelta(days=3 * 365 - 1)), per.end)
    options = {"current": current, "categories": s.categories, "population_table": s.population,
               "rate_per": st.rate_per, "confidence": st.confidence}
    counted = [(a.area_id, a.name, list(a.district_ids), a.previous) for a in with_previous
               if a.published is None and a.previous is not None]
    published = [(a.area_id, a.name, list(a.district_ids), a.published) for a in with_previous
                 if a.published is not None]  # the figures an earlier run published (previous_output)
    frames = [period_change(s.incidents, s.districts, groups=counted, **options)] if counted else []
    if published:
        frames.append(period_change_published(s.incidents, s.districts, groups=published, **options))
    change = pd.concat(frames, ignore_index=True)
    results.add_table(schemas.PERIOD_CHANGE.table(change))
    return [f"{a.name}: {a.previous[0]} – {a.previous[1]}"
            + (f" (published in {a.published.folder.name}, run of {a.published.finished or 'unknown date'})"
               if a.published is not None else "") + f" against {current[0]} – {current[1]}"
            for a in with_previous if a.previous is not None]


def _add_time_patterns(results: RunResults, s: _Span) -> None:
    """Aoristic weekday × hour and month-of-year patterns (``time_weekday_hour``, ``time_month``)."""
    inc = s.span_incidents
    areas = [(WHOLE_AREA, None), *((a.area_id, list(a.district_ids)) for a in s.focus_areas)]
    wh, mo = [], []
    for area, members in areas:  # the whole area, then each focus area (its own weekday × hour and year wheel)
        part = inc if members is None else inc[inc["district_id"].astype(str).isin(members)]
        wh.append(weekday_hour(part, categories=s.categories).assign(area=area))
        mo.append(month_of_year(part, categories=s.categories, start=s.periods.start, end=s.periods.end)
                  .assign(area=area))
    no_sums = {area: () for area, _ in areas}  # focus areas are not parts of the whole area's rows here
    results.add_table(schemas.TIME_WEEKDAY_HOUR.table(_area_first(wh), area_parts=no_sums))
    results.add_table(schemas.TIME_MONTH.table(_area_first(mo), area_parts=no_sums))


def _area_first(frames: list[pd.DataFrame]) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    return df[["area", *[c for c in df.columns if c != "area"]]]


def _add_concentration(results: RunResults, s: _Span) -> list[str]:
    """Concentration over grid cells and districts (``concentration``, ``lorenz``, ``concentration_stability``)."""
    conc, lor, stab = [], [], []
    grid, inc = results.grid, s.incidents
    unit_counts = []
    if grid is not None and len(grid) and "cell_id" in inc:
        unit_counts.append((schemas.UNIT_GRID, "cell_id", list(grid.index.astype(str))))
    unit_counts.append((schemas.UNIT_DISTRICT, "district_id", list(s.districts.index)))
    for uname, by, keys in unit_counts:
        c = count_incidents(inc, by=by, keys=keys, unit="year", start=s.periods.start, end=s.periods.end,
                            categories=s.categories)
        conc.append(concentration_table(c, by=by, unit=uname))
        lor.append(lorenz_table(c, unit=uname))
        stab.append(stability_table(c, by=by, unit=uname))
    results.add_table(schemas.CONCENTRATION.table(pd.concat(conc, ignore_index=True)))
    results.add_table(schemas.LORENZ.table(pd.concat(lor, ignore_index=True)))
    results.add_table(schemas.CONCENTRATION_STABILITY.table(pd.concat(stab, ignore_index=True)))
    return [u for u, _, _ in unit_counts]


def add_statistics(results: RunResults) -> None:
    """Compute the statistics per area and add their tables to a run.

    Adds the tables :data:`TABLE_NAMES` (``rates_district``, ``counts_source``, ``comparison``, ``funnel``,
    ``coverage`` — only when Brå totals are configured —, ``series``, ``trend``,
    ``year_to_date``, ``time_weekday_hour``, ``time_month``, ``concentration``, ``lorenz``,
    ``concentration_stability``) and records the parameters under ``"statistics"``.

    Parameters
    ----------
    results : RunResults
        A run with ``config``, ``incidents``, ``districts``, ``grid`` and ``inputs``.

    Notes
    -----
    Methods and references: :mod:`geolage.stats.rates` (exact Poisson CIs, Marshall EB),
    :mod:`geolage.stats.compare` (exact conditional rate ratio, LQC, Spiegelhalter funnel limits),
    :mod:`geolage.stats.trends` (Mann–Kendall, Poisson/NB2 regression), :mod:`geolage.stats.timepatterns`
    (aoristic weights), :mod:`geolage.stats.concentration` (Bernasco & Steenbeek generalised Gini).
    """
    t_start = time.perf_counter()
    s = _span(results)
    st, per = s.config.statistics, s.periods
    rates, eb_weights = _add_rates(results, s)
    compared = _add_comparisons(results, s, rates)
    cov_years = _add_coverage(results, s)
    _add_development(results, s)
    previous = _add_period_change(results, s)
    _add_time_patterns(results, s)
    units = _add_concentration(results, s)
    results.record_parameters(
        "statistics",
        rate_per=st.rate_per,
        confidence=st.confidence,
        period_unit=per.unit,
        span=f"{per.start} – {per.end}",
        population="per year from population_table" if s.population is not None else "districts.population",
        districts_with_population=f"{int(s.districts['population'].notna().sum())} of {len(s.districts)}",
        rate_ci="exact Poisson (Garwood)",
        eb=f"Marshall global EB; spatial EB with {eb_weights}",
        **compared,
        rate_ratio_test="exact conditional (binomial)",
        funnel_limits="exact Poisson, 95% and 99.8% (Spiegelhalter 2005)",
        coverage_years=cov_years,
        trend_test="Poisson GLM (NB2 if Pearson chi2 overdispersion p < 0.05) on yearly counts, offset "
                   "person-years; direction from the CI of the yearly change; Mann-Kendall beside it",
        trend_baseline=[str(d) for d in per.baseline] if per.baseline else "12 months before current",
        trend_current=[str(d) for d in per.current] if per.current else "last 12 months of the span",
        previous_period=previous,
        aoristic="window spread over hours by overlap (minutes); date-only over the whole day",
        concentration_units=units,
    )
    log.info("statistics: %d tables in %.1f s", sum(n in results.tables for n in TABLE_NAMES),
             time.perf_counter() - t_start)
