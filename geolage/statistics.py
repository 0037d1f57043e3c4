"""The statistics step of a run: rates, comparisons, trends, time patterns and concentration per area."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd

from .compare import compare_areas, coverage, funnel_table
from .concentration import concentration_table, lorenz_table, stability_table
from .errors import InputFileError
from .rates import count_incidents, district_rates
from .results import RunResults, Table
from .timepatterns import month_of_year, weekday_hour
from .trends import analysis_areas, make_series, trend_table, year_to_date

__all__ = ["add_statistics", "COLUMN_LABELS", "TABLE_NAMES"]

log = logging.getLogger(__name__)

#: Tables added by :func:`add_statistics`.
TABLE_NAMES = (
    "rates_district", "counts_source", "comparison", "funnel", "coverage", "series", "trend", "year_to_date",
    "time_weekday_hour", "time_month", "concentration", "lorenz", "concentration_stability",
)


def _l(sv: str, en: str) -> dict[str, str]:
    return {"sv": sv, "en": en}


#: Swedish and English labels of every column of the statistics tables.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "district_id": _l("Område-id", "District id"),
    "district_name": _l("Område", "District"),
    "area": _l("Område-id", "Area id"),
    "area_name": _l("Område", "Area"),
    "category": _l("Brottskategori", "Crime category"),
    "period": _l("Period", "Period"),
    "unit": _l("Enhet", "Unit"),
    "count": _l("Antal brott", "Number of offences"),
    "source": _l("Källa", "Source"),
    "population": _l("Befolkning", "Population"),
    "exposure": _l("Personår", "Person-years"),
    "years": _l("År i perioden", "Years in the period"),
    "rate": _l("Brott per 1 000 invånare och år", "Offences per 1,000 residents and year"),
    "rate_ci_low": _l("Nedre 95 %-gräns (takt)", "Lower 95% limit (rate)"),
    "rate_ci_high": _l("Övre 95 %-gräns (takt)", "Upper 95% limit (rate)"),
    "eb_rate": _l("Utjämnad takt (empirisk Bayes)", "Smoothed rate (empirical Bayes)"),
    "eb_rate_spatial": _l("Utjämnad takt, rumslig (empirisk Bayes)", "Smoothed rate, spatial (empirical Bayes)"),
    "eb_z": _l("Standardiserad takt (Assunção–Reis)", "Standardised rate (Assunção–Reis)"),
    "is_focus": _l("Fokusområde", "Focus area"),
    "ref_count": _l("Antal brott, jämförelse", "Number of offences, reference"),
    "ref_exposure": _l("Personår, jämförelse", "Person-years, reference"),
    "ref_rate": _l("Takt, jämförelse", "Rate, reference"),
    "rate_ratio": _l("Kvot mot jämförelse", "Rate ratio"),
    "rr_ci_low": _l("Nedre 95 %-gräns (kvot)", "Lower 95% limit (ratio)"),
    "rr_ci_high": _l("Övre 95 %-gräns (kvot)", "Upper 95% limit (ratio)"),
    "rr_p": _l("p-värde (kvot)", "p-value (ratio)"),
    "lqc": _l("Lokaliseringskvot (LQC)", "Location quotient (LQC)"),
    "reference": _l("Jämförs med", "Compared with"),
    "lim95_low": _l("Nedre 95 %-gräns (tratt)", "Lower 95% limit (funnel)"),
    "lim95_high": _l("Övre 95 %-gräns (tratt)", "Upper 95% limit (funnel)"),
    "lim998_low": _l("Nedre 99,8 %-gräns (tratt)", "Lower 99.8% limit (funnel)"),
    "lim998_high": _l("Övre 99,8 %-gräns (tratt)", "Upper 99.8% limit (funnel)"),
    "funnel_position": _l("Läge i trattdiagram", "Funnel position"),
    "year": _l("År", "Year"),
    "bra_group": _l("Brås brottsgrupp", "Brå offence group"),
    "bra_count": _l("Anmälda brott enligt Brå", "Reported offences (Brå)"),
    "data_count": _l("Brott i underlaget", "Offences in the data"),
    "coverage": _l("Täckning", "Coverage"),
    "preliminary": _l("Preliminär", "Preliminary"),
    "n_years": _l("Antal år", "Number of years"),
    "mk_s": _l("Mann–Kendall S", "Mann–Kendall S"),
    "mk_var_s": _l("Varians av S", "Variance of S"),
    "mk_z": _l("Mann–Kendall z", "Mann–Kendall z"),
    "mk_p": _l("p-värde (Mann–Kendall)", "p-value (Mann–Kendall)"),
    "trend_pct_per_year": _l("Förändring per år (%)", "Change per year (%)"),
    "trend_ci_low": _l("Nedre 95 %-gräns (% per år)", "Lower 95% limit (% per year)"),
    "trend_ci_high": _l("Övre 95 %-gräns (% per år)", "Upper 95% limit (% per year)"),
    "trend_p": _l("p-värde (trend)", "p-value (trend)"),
    "trend_model": _l("Trendmodell", "Trend model"),
    "trend_dispersion": _l("Överspridning (Pearson χ²/fg)", "Dispersion (Pearson χ²/df)"),
    "change_baseline": _l("Antal, jämförelseperiod", "Count, baseline period"),
    "change_current": _l("Antal, aktuell period", "Count, current period"),
    "change_pct": _l("Förändring (%)", "Change (%)"),
    "change_p": _l("p-värde (förändring)", "p-value (change)"),
    "direction": _l("Utveckling", "Direction"),
    "ytd_end": _l("Till och med (månad-dag)", "Up to (month-day)"),
    "ytd_mean_earlier": _l("Medel tidigare år", "Mean of earlier years"),
    "ytd_change_pct": _l("Förändring mot tidigare år (%)", "Change against earlier years (%)"),
    "ytd_p": _l("p-värde (hittills i år)", "p-value (year to date)"),
    "weekday": _l("Veckodag (0 = måndag)", "Weekday (0 = Monday)"),
    "hour": _l("Timme", "Hour"),
    "month": _l("Månad", "Month"),
    "weight": _l("Antal (aoristiskt viktat)", "Count (aoristic weight)"),
    "share": _l("Andel", "Share"),
    "months_observed": _l("Antal observerade månader", "Months observed"),
    "weight_per_month": _l("Antal per observerad månad", "Count per observed month"),
    "n_incidents": _l("Antal brott", "Number of offences"),
    "n_units": _l("Antal platser", "Number of places"),
    "n_units_with_incidents": _l("Platser med brott", "Places with offences"),
    "top1_share": _l("Andel brott i topp 1 % av platserna", "Share of offences in the top 1% of places"),
    "top5_share": _l("Andel brott i topp 5 % av platserna", "Share of offences in the top 5% of places"),
    "top10_share": _l("Andel brott i topp 10 % av platserna", "Share of offences in the top 10% of places"),
    "gini": _l("Gini-koefficient", "Gini coefficient"),
    "gini_generalised": _l("Generaliserad Gini (Bernasco & Steenbeek)", "Generalised Gini (Bernasco & Steenbeek)"),
    "place_share": _l("Andel platser", "Share of places"),
    "incident_share": _l("Andel brott", "Share of offences"),
    "period_from": _l("Från period", "From period"),
    "period_to": _l("Till period", "To period"),
    "top_level": _l("Toppnivå (%)", "Top level (%)"),
    "n_top": _l("Antal toppplatser", "Number of top places"),
    "overlap_share": _l("Andel kvar i toppen", "Share still at the top"),
}


# --------------------------------------------------------------------------- small readers
def _read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the {what} ({exc}); give a UTF-8 CSV file") from None


def _population_table(results: RunResults) -> pd.DataFrame | None:
    """Return the population per district and year, or None.

    From ``districts.attrs["population_by_year"]`` (set by the pipeline from
    ``districts.population_table``), else from the configured CSV.
    """
    by_year = results.districts.attrs.get("population_by_year")
    if isinstance(by_year, pd.DataFrame) and {"district_id", "year", "population"} <= set(by_year.columns):
        return by_year[["district_id", "year", "population"]].astype({"district_id": str})
    cfg = results.config.districts
    if cfg.population_table is None:
        return None
    t = _read_csv(cfg.population_table, "population table")
    cols = {c.lower(): c for c in t.columns}
    id_col = next((cols[k] for k in (cfg.id_field.lower(), "district_id", "id") if k in cols), None)
    year_col, pop_col = cols.get("year", cols.get("år")), cols.get("population", cols.get("befolkning"))
    if id_col is None or year_col is None or pop_col is None:
        if len(t.columns) < 3:
            raise InputFileError(f"{cfg.population_table}: the population table needs the columns district id, "
                                 f"year, population; got {list(t.columns)}")
        id_col, year_col, pop_col = t.columns[:3]
    out = pd.DataFrame({"district_id": t[id_col].astype(str), "year": pd.to_numeric(t[year_col], errors="coerce"),
                        "population": pd.to_numeric(t[pop_col], errors="coerce")}).dropna()
    return out


def _reference_rates(results: RunResults) -> pd.DataFrame | None:
    path = results.config.areas.reference_rates
    if path is None:
        return None
    t = _read_csv(path, "reference rates")
    need = {"category", "rate_per_100k"}
    if not need <= set(t.columns):
        raise InputFileError(f"{path}: reference rates need the columns category, rate_per_100k "
                             f"(optionally year); got {list(t.columns)}")
    return t


def _bra_totals(results: RunResults) -> pd.DataFrame | None:
    cfg = results.config.project
    if cfg.bra_totals is None:
        return None
    t = _read_csv(cfg.bra_totals, "Brå totals")
    need = {"period", "category", "reported_offences"}
    if not need <= set(t.columns):
        raise InputFileError(f"{cfg.bra_totals}: Brå totals need the columns period, category, reported_offences; "
                             f"got {list(t.columns)}")
    if cfg.municipality_code is not None and "kommun_kod" in t.columns:
        t = t[t["kommun_kod"].astype(str).str.zfill(4) == str(cfg.municipality_code).zfill(4)]
    return t


# --------------------------------------------------------------------------- the step
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
    Methods and references: :mod:`geolage.rates` (exact Poisson CIs, Marshall EB),
    :mod:`geolage.compare` (exact conditional rate ratio, LQC, Spiegelhalter funnel limits),
    :mod:`geolage.trends` (Mann–Kendall, Poisson/NB2 regression), :mod:`geolage.timepatterns`
    (aoristic weights), :mod:`geolage.concentration` (Bernasco & Steenbeek generalised Gini).
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
    pop_table = _population_table(results)
    pop_known = int(districts["population"].notna().sum())

    # 1. counts and rates per district
    weights, eb_weights = None, "Queen contiguity"
    if cfg.hotspots.district_weights is not None:  # the user's district neighbours (GAL/GWT), as for hotspots
        from .neighbours import read_weights

        weights = read_weights(cfg.hotspots.district_weights, ids=districts.index)
        eb_weights = f"file {cfg.hotspots.district_weights.name}"
    rd = district_rates(inc, districts, unit=unit, start=start, end=end, categories=categories,
                        population_table=pop_table, weights=weights, rate_per=st.rate_per,
                        confidence=st.confidence)
    results.add_table(Table(
        "rates_district", rd,
        title=_l("Brott och brottstakt per område", "Offences and rates per district"),
        description=_l(
            f"Antal anmälda brott, brott per {st.rate_per:,} invånare och år med exakt 95 %-konfidensintervall "
            "(Poisson) och empiriskt Bayes-utjämnad takt (Marshall; rumslig: grannområden).".replace(",", " "),
            f"Reported offences, offences per {st.rate_per:,} residents and year with exact 95% confidence "
            "interval (Poisson) and empirical-Bayes smoothed rate (Marshall; spatial: neighbouring districts)."),
        count_columns=("count",), style="rate", style_column="eb_rate"))

    cs = count_incidents(inc, by="district_id", keys=list(districts.index), unit=unit, start=start, end=end,
                         categories=categories, by_source=True)
    cs.insert(1, "district_name", cs["district_id"].map(districts["district_name"]))
    results.add_table(Table(
        "counts_source", cs, title=_l("Brott per område och källa", "Offences per district and source"),
        description=_l("Antal brott per område, källa, brottskategori och period (källa 'alla' = alla källor).",
                       "Offences per district, source, category and period (source 'alla' = every source)."),
        count_columns=("count",)))

    # 2. comparison with the reference
    focus = list(districts.index[districts["is_focus"].fillna(False).astype(bool)])
    ref_cfg = cfg.areas.reference
    if isinstance(ref_cfg, str) and ref_cfg in ("rest", "all"):
        reference: str | list[str] = ref_cfg
    else:
        reference = list(districts.index[districts["is_reference"].fillna(False).astype(bool)])
    ref_rates = _reference_rates(results)
    rd_plain = pd.DataFrame(rd.drop(columns="geometry"))
    names = dict(zip(districts.index, districts["district_name"].astype(str), strict=True))
    comp = compare_areas(rd_plain, focus=focus, reference=reference, reference_rates=ref_rates, names=names,
                         rate_per=st.rate_per, confidence=st.confidence)
    results.add_table(Table(
        "comparison", comp,
        title=_l("Fokusområden jämförda med referens", "Focus areas compared with the reference"),
        description=_l("Kvot mellan områdets brottstakt och referensens med exakt 95 %-intervall och p-värde, "
                       "samt lokaliseringskvot (LQC).",
                       "Ratio of the area's rate to the reference rate with exact 95% interval and p-value, "
                       "and location quotient (LQC)."),
        count_columns=("count", "ref_count")))
    fun = funnel_table(rd_plain, rate_per=st.rate_per)
    results.add_table(Table(
        "funnel", fun, title=_l("Trattdiagram: områdens brottstakt", "Funnel plot: district rates"),
        description=_l("Kontrollgränser 95 % och 99,8 % (exakt Poisson, Spiegelhalter 2005) kring hela "
                       "områdets takt.", "Control limits 95% and 99.8% (exact Poisson, Spiegelhalter 2005) "
                       "around the whole area's rate."),
        count_columns=("count",)))
    bra = _bra_totals(results)
    cov_years: list[int] = []
    if bra is not None:
        full_years = [y for y in range(start.year, end.year + 1)
                      if pd.Timestamp(year=y, month=1, day=1) >= pd.Timestamp(start)
                      and pd.Timestamp(year=y, month=12, day=31) <= pd.Timestamp(end)]
        dc = pd.DataFrame({"year": t[in_span].dt.year.to_numpy(), "category": inc_span["category"].to_numpy()})
        dc = dc.groupby(["year", "category"]).size().rename("count").reset_index()
        cov = coverage(dc, bra, years=full_years)
        cov_years = sorted(cov["year"].unique().tolist())
        results.add_table(Table(
            "coverage", cov, title=_l("Underlagets täckning jämfört med Brå", "Coverage of the data against Brå"),
            description=_l("Andel av Brås anmälda brott för kommunen som finns i underlaget, per år och brottsgrupp.",
                           "Share of Brå's reported offences for the municipality that the data hold, per year "
                           "and offence group."),
            count_columns=()))
    else:
        log.info("statistics: no Brå totals configured (project.bra_totals); the coverage table is left out")

    # 3. development over time
    areas = analysis_areas(districts)
    units = ["year"] + [u for u in ("quarter", "month") if u != "year"]
    series = make_series(inc, districts, units=units, start=start, end=end, categories=categories,
                         population_table=pop_table, areas=areas)
    results.add_table(Table(
        "series", series, title=_l("Tidsserier per område", "Time series per area"),
        description=_l("Antal brott per år, kvartal och månad.", "Offences per year, quarter and month."),
        count_columns=("count",)))
    tr = trend_table(series, inc, districts, start=start, end=end, baseline=cfg.periods.baseline,
                     current=cfg.periods.current, areas=areas, confidence=st.confidence, language=lang)
    results.add_table(Table(
        "trend", tr, title=_l("Utveckling över tid", "Development over time"),
        description=_l("Mann–Kendall-test och Poisson-/negativ binomial-regression (förändring per år), samt "
                       "förändring mellan två perioder (exakt Poisson-test).",
                       "Mann–Kendall test and Poisson / negative binomial regression (change per year), and "
                       "change between two periods (exact Poisson test)."),
        count_columns=("change_baseline", "change_current")))
    ytd = year_to_date(inc_span, districts, as_of=end, start=start, categories=categories, areas=areas)
    results.add_table(Table(
        "year_to_date", ytd, title=_l("Hittills i år jämfört med tidigare år", "Year to date against earlier years"),
        description=_l(f"Antal brott 1 januari–{end:%d/%m} varje år.", f"Offences 1 January–{end:%d %b} each year."),
        count_columns=("count",)))

    # 4. time patterns
    wh = weekday_hour(inc_span, categories=categories)
    results.add_table(Table(
        "time_weekday_hour", wh, title=_l("Brott per veckodag och timme", "Offences by weekday and hour"),
        description=_l("Aoristiskt viktat: ett brott med ett tidsfönster fördelas över fönstrets timmar.",
                       "Aoristic weights: an offence with a time window is spread over the window's hours.")))
    mo = month_of_year(inc_span, categories=categories, start=start, end=end)
    results.add_table(Table(
        "time_month", mo, title=_l("Brott per månad (säsong)", "Offences by month (season)"),
        description=_l("Aoristiskt viktat antal per kalendermånad.", "Aoristic count per calendar month.")))

    # 5. concentration
    conc, lor, stab = [], [], []
    grid = results.grid
    unit_counts = []
    if grid is not None and len(grid) and "cell_id" in inc:
        unit_counts.append(("grid", "cell_id", list(grid.index.astype(str))))
    unit_counts.append(("district", "district_id", list(districts.index)))
    for uname, by, keys in unit_counts:
        c = count_incidents(inc, by=by, keys=keys, unit="year", start=start, end=end, categories=categories)
        conc.append(concentration_table(c, by=by, unit=uname))
        lor.append(lorenz_table(c, unit=uname))
        stab.append(stability_table(c, by=by, unit=uname))
    results.add_table(Table(
        "concentration", pd.concat(conc, ignore_index=True),
        title=_l("Brottskoncentration", "Crime concentration"),
        description=_l("Andel brott på de 1, 5 och 10 % platser med flest brott; Gini och generaliserad Gini "
                       "(Bernasco & Steenbeek 2017).", "Share of offences in the 1, 5 and 10% of places with most "
                       "offences; Gini and generalised Gini (Bernasco & Steenbeek 2017)."),
        count_columns=("n_incidents",)))
    results.add_table(Table(
        "lorenz", pd.concat(lor, ignore_index=True), title=_l("Lorenzkurvor", "Lorenz curves"),
        description=_l("Andel brott mot andel platser, platser ordnade efter antal brott.",
                       "Share of offences against share of places, places ranked by offences.")))
    results.add_table(Table(
        "concentration_stability", pd.concat(stab, ignore_index=True),
        title=_l("Stabilitet i toppen", "Stability of the top places"),
        description=_l("Andel av ett års toppplatser som är toppplatser även året därpå.",
                       "Share of one year's top places that are top places the next year too.")))

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

