"""The statistics step of a run: rates, comparisons, trends, time patterns and concentration per area."""

from __future__ import annotations

import logging
import time

import pandas as pd

from ...stats.compare import compare_areas, coverage, funnel_table
from ...stats.concentration import concentration_table, lorenz_table, stability_table
from ...stats.rates import count_incidents, district_rates
from ...stats.timepatterns import month_of_year, weekday_hour
from ...stats.trends import analysis_areas, make_series, trend_table, year_to_date
from ...text import tables as T
from ...text.trends import direction_words
from .. import schemas
from ..results import RunResults

__all__ = ["add_statistics", "TABLE_NAMES"]

log = logging.getLogger(__name__)

#: Tables added by :func:`add_statistics` (``coverage`` only with Brå totals).
TABLE_NAMES = tuple(s.name for s in schemas.TABLES.values() if s.step == "statistics")





def add_statistics(results: RunResults) -> None:
    """Compute the statistics per area and add their tables to a run.

    Adds the tables :data:`TABLE_NAMES` (``rates_district``, ``counts_source``, ``comparison``, ``funnel``,
    ``coverage`` — only when Brå totals are configured —, ``series``, ``trend``,
    ``year_to_date``, ``time_weekday_hour``, ``time_month``, ``concentration``, ``lorenz``,
    ``concentration_stability``) and records the parameters under ``"statistics"``.

    Parameters
    ----------
    results : RunResults
        A run with ``config``, ``incidents``, ``districts`` and ``grid``.

    Notes
    -----
    Methods and references: :mod:`geolage.stats.rates` (exact Poisson CIs, Marshall EB),
    :mod:`geolage.stats.compare` (exact conditional rate ratio, LQC, Spiegelhalter funnel limits),
    :mod:`geolage.stats.trends` (Mann–Kendall, Poisson/NB2 regression), :mod:`geolage.stats.timepatterns`
    (aoristic weights), :mod:`geolage.stats.concentration` (Bernasco & Steenbeek generalised Gini).
    """
    t_start = time.perf_counter()
    cfg = results.config
    st = cfg.statistics
    lang = cfg.project.language
    start, end, unit = cfg.periods.start, cfg.periods.end, cfg.periods.unit
    inc = results.incidents
    districts = results.districts.copy()
    districts.index = districts.index.astype(str)
    for col in ("is_focus", "is_reference"):
        if col not in districts:
            districts[col] = False
    t = pd.to_datetime(inc["time"])
    in_span = (t >= pd.Timestamp(start)) & (t < pd.Timestamp(end) + pd.Timedelta(days=1))
    inc_span = inc.loc[in_span]
    categories = sorted(inc_span["category"].dropna().unique())
    pop_table = results.inputs.population
    pop_known = int(districts["population"].notna().sum())

    # 1. counts and rates per district
    weights, eb_weights = None, "Queen contiguity"
    if cfg.hotspots.district_weights is not None:  # the user's district neighbours (GAL/GWT), as for hotspots
        from ...neighbours import read_weights

        weights = read_weights(cfg.hotspots.district_weights, ids=districts.index)
        eb_weights = f"file {cfg.hotspots.district_weights.name}"
    rd = district_rates(inc, districts, unit=unit, start=start, end=end, categories=categories,
                        population_table=pop_table, weights=weights, rate_per=st.rate_per,
                        confidence=st.confidence)
    rate_per = {"sv": f"{st.rate_per:,}".replace(",", " "), "en": f"{st.rate_per:,}"}
    results.add_table(schemas.RATES_DISTRICT.table(rd, description=T.RATES_DISTRICT_DESCRIPTION.format(
        rate_per=rate_per)))

    cs = count_incidents(inc, by="district_id", keys=list(districts.index), unit=unit, start=start, end=end,
                         categories=categories, by_source=True)
    cs.insert(1, "district_name", cs["district_id"].map(districts["district_name"]))
    results.add_table(schemas.COUNTS_SOURCE.table(cs))

    # 2. comparison with the reference
    focus = list(districts.index[districts["is_focus"].fillna(False).astype(bool)])
    ref_cfg = cfg.areas.reference
    if isinstance(ref_cfg, str) and ref_cfg in ("rest", "all"):
        reference: str | list[str] = ref_cfg
    else:
        reference = list(districts.index[districts["is_reference"].fillna(False).astype(bool)])
    ref_rates = results.inputs.reference_rates
    rd_plain = pd.DataFrame(rd.drop(columns="geometry"))
    names = dict(zip(districts.index, districts["district_name"].astype(str), strict=True))
    comp = compare_areas(rd_plain, focus=focus, reference=reference, reference_rates=ref_rates, names=names,
                         rate_per=st.rate_per, confidence=st.confidence)
    results.add_table(schemas.COMPARISON.table(comp))
    fun = funnel_table(rd_plain, rate_per=st.rate_per)
    results.add_table(schemas.FUNNEL.table(fun))
    bra = results.inputs.bra_totals
    cov_years: list[int] = []
    if bra is not None:
        full_years = [y for y in range(start.year, end.year + 1)
                      if pd.Timestamp(year=y, month=1, day=1) >= pd.Timestamp(start)
                      and pd.Timestamp(year=y, month=12, day=31) <= pd.Timestamp(end)]
        dc = pd.DataFrame({"year": t[in_span].dt.year.to_numpy(), "category": inc_span["category"].to_numpy()})
        dc = dc.groupby(["year", "category"]).size().rename("count").reset_index()
        cov = coverage(dc, bra, years=full_years)
        cov_years = sorted(cov["year"].unique().tolist())
        results.add_table(schemas.COVERAGE.table(cov))
    else:
        log.info("statistics: no Brå totals configured (project.bra_totals); the coverage table is left out")

    # 3. development over time
    areas = analysis_areas(districts)
    units = ["year"] + [u for u in ("quarter", "month") if u != "year"]
    series = make_series(inc, districts, units=units, start=start, end=end, categories=categories,
                         population_table=pop_table, areas=areas)
    results.add_table(schemas.SERIES.table(series))
    tr = direction_words(trend_table(series, inc, districts, start=start, end=end, baseline=cfg.periods.baseline,
                                     current=cfg.periods.current, areas=areas, confidence=st.confidence), lang)
    results.add_table(schemas.TREND.table(tr))
    ytd = year_to_date(inc_span, districts, as_of=end, start=start, categories=categories, areas=areas)
    results.add_table(schemas.YEAR_TO_DATE.table(ytd, description=T.YEAR_TO_DATE_DESCRIPTION.format(
        end_sv=f"{end:%d/%m}", end_en=f"{end:%d %b}")))

    # 4. time patterns
    wh = weekday_hour(inc_span, categories=categories)
    results.add_table(schemas.TIME_WEEKDAY_HOUR.table(wh))
    mo = month_of_year(inc_span, categories=categories, start=start, end=end)
    results.add_table(schemas.TIME_MONTH.table(mo))

    # 5. concentration
    conc, lor, stab = [], [], []
    grid = results.grid
    unit_counts = []
    if grid is not None and len(grid) and "cell_id" in inc:
        unit_counts.append((schemas.UNIT_GRID, "cell_id", list(grid.index.astype(str))))
    unit_counts.append((schemas.UNIT_DISTRICT, "district_id", list(districts.index)))
    for uname, by, keys in unit_counts:
        c = count_incidents(inc, by=by, keys=keys, unit="year", start=start, end=end, categories=categories)
        conc.append(concentration_table(c, by=by, unit=uname))
        lor.append(lorenz_table(c, unit=uname))
        stab.append(stability_table(c, by=by, unit=uname))
    results.add_table(schemas.CONCENTRATION.table(pd.concat(conc, ignore_index=True)))
    results.add_table(schemas.LORENZ.table(pd.concat(lor, ignore_index=True)))
    results.add_table(schemas.CONCENTRATION_STABILITY.table(pd.concat(stab, ignore_index=True)))

    results.record_parameters(
        "statistics",
        rate_per=st.rate_per,
        confidence=st.confidence,
        period_unit=unit,
        span=f"{start} – {end}",
        population="per year from population_table" if pop_table is not None else "districts.population",
        districts_with_population=f"{pop_known} of {len(districts)}",
        rate_ci="exact Poisson (Garwood)",
        eb=f"Marshall global EB; spatial EB with {eb_weights}",
        reference=reference if isinstance(reference, str) else f"{len(reference)} reference districts",
        reference_rates=str(cfg.areas.reference_rates) if ref_rates is not None else None,
        focus_areas=len(focus),
        rate_ratio_test="exact conditional (binomial)",
        funnel_limits="exact Poisson, 95% and 99.8% (Spiegelhalter 2005)",
        coverage_years=cov_years,
        trend_test="Poisson GLM (NB2 if Pearson chi2 overdispersion p < 0.05) on yearly counts, offset "
                   "person-years; direction from the CI of the yearly change; Mann-Kendall beside it",
        trend_baseline=[str(d) for d in cfg.periods.baseline] if cfg.periods.baseline else "12 months before current",
        trend_current=[str(d) for d in cfg.periods.current] if cfg.periods.current else "last 12 months of the span",
        aoristic="window spread over hours by overlap (minutes); date-only over the whole day",
        concentration_units=[u for u, _, _ in unit_counts],
    )
    log.info("statistics: %d tables in %.1f s", sum(n in results.tables for n in TABLE_NAMES),
             time.perf_counter() - t_start)

