"""A small hand-built RunResults for the report and disclosure tests (EPSG:3006, near Borås).

``make_results(hostile=True)`` puts hostile text in district names, a category code and the
incident free text: script tags, an SQL-like string, a very long name and text that was
not valid UTF-8 (replacement characters, mojibake, control characters).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import Point, box

from geolage.config import config_from_dict
from geolage.run.results import Raster, RunResults, Table

CRS = "EPSG:3006"
X0, Y0 = 375000.0, 6398000.0
CELL = 500.0
SCRIPT = '<script>alert("x")</script>'
HOSTILE_CATEGORY = "<img src=x onerror=alert(1)>"
SQL = "Robert'); DROP TABLE districts;--"
LONG = "Långnamnsområdet " * 40
NON_UTF8 = b"Bor\xe5s \xff".decode("utf-8", errors="replace") + " BorÃ¥s \x1b[31m\u202e\x00"
CATS = ["misshandel", "inbrott_bostad", "skadegorelse"]
YEARS = ["2021", "2022", "2023", "2024"]


def _config(synthetic: bool, language: str, mode: str, overview: str = "full"):
    return config_from_dict(
        {
            "project": {"name": "Borås lägesbild", "language": language, "synthetic": synthetic, "seed": 7},
            "districts": {"path": "d.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{"name": "polis", "path": "p.csv",
                         "columns": {"category": "kod", "x": "x", "y": "y", "datetime": "tid", "text": ["fritext"]},
                         "categories": {"1": "misshandel", "2": "inbrott_bostad", "3": "skadegorelse"}}],
            "periods": {"start": "2021-01-01", "end": "2024-12-31"},
            "areas": {"focus": ["Norrby"]},
            "output": {"mode": mode, "min_count": 5, "overview": overview},
        },
        check_files=False,
    )


def district_names(hostile: bool) -> list[str]:
    if hostile:
        return [f"Norrby {SCRIPT}", "Hässleholmen väst", SQL, LONG + NON_UTF8]
    return ["Norrby", "Hässleholmen väst", "Centrum", "Sjöbo"]


def make_results(*, hostile: bool = False, synthetic: bool = True, language: str = "sv",
                 mode: str = "public", overview: str = "full") -> RunResults:
    """A RunResults with every registry table (a few rows each), small counts included.

    ``overview`` is ``output.overview``: ``"full"`` (default here) so the municipal report shows every
    section although district D1 is a focus area.
    """
    cfg = _config(synthetic, language, mode, overview)
    rng = np.random.default_rng(1)
    names = district_names(hostile)
    ids = ["D1", "D2", "D3", "D4"]
    polys = [box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 2000) for i in range(4)]
    districts = gpd.GeoDataFrame(
        {"district_id": ids, "district_name": names, "population": [4200.0, 3100.0, 8000.0, 2500.0],
         "is_focus": [True, False, False, False], "is_reference": [False, True, True, True]},
        geometry=polys, crs=CRS, index=pd.Index(ids, name="district_id"))
    cells = []
    for c in range(8):
        for r in range(4):
            x0, y0 = X0 + c * CELL, Y0 + r * CELL
            cells.append({"cell_id": f"{int(x0):06d}{int(y0):07d}", "x0": x0, "y0": y0, "col": c, "row": r,
                          "area_share": 1.0, "geometry": box(x0, y0, x0 + CELL, y0 + CELL)})
    grid = gpd.GeoDataFrame(cells, geometry="geometry", crs=CRS).set_index("cell_id", drop=False)
    grid.index.name = None
    grid.attrs["cell_size"] = CELL
    grid.attrs["origin"] = (X0, Y0)
    study_area = gpd.GeoDataFrame({"name": ["Borås"]}, geometry=[box(X0, Y0, X0 + 4000, Y0 + 2000)], crs=CRS)

    # incidents: odd coordinates (never on the grid lattice), free text
    n = 60
    xs = X0 + rng.uniform(50, 3950, n).round(1) + 0.37
    ys = Y0 + rng.uniform(50, 1950, n).round(1) + 0.61
    cats = rng.choice(CATS, n)
    times = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 4 * 365 * 24, n), unit="h")
    texts = [f"Målsäganden berättar att gärningsmannen sprang mot busshållplatsen nummer {i} vid affären"
             for i in range(n)]
    if hostile:
        texts[0] = f"{SCRIPT} personen skrek högt och sprang iväg mot parken"
    dist_idx = ((xs - X0) // 1000).astype(int)
    incidents = gpd.GeoDataFrame(
        {"incident_id": [f"polis:{i}" for i in range(n)], "source": "polis", "source_row": np.arange(1, n + 1),
         "category": cats, "source_category": "1", "time": times, "time_from": times, "time_to": times,
         "has_clock_time": True, "x": xs, "y": ys, "district_id": [ids[i] for i in dist_idx],
         "district_name": [names[i] for i in dist_idx], "cell_id": None, "fixes": "", "text": texts},
        geometry=[Point(x, y) for x, y in zip(xs, ys, strict=False)], crs=CRS)
    rejects = pd.DataFrame({"source": ["polis"], "source_row": [99], "reason": ["bad_date"], "column": ["tid"],
                            "value": ["2021-13-45"], "message": ["ogiltigt datum"], "raw": ['{"fritext": "x"}']})
    quality = {
        "per_source": {"polis": {"read": 61, "accepted": 60, "rejected": 1, "rejected_by_reason": {"bad_date": 1},
                                 "fixes": {"swapped_axes": 2}}},
        "personnummer_masked": 3,
        "outside_districts": 0,
        "examples": ["rad 99: 2021-13-45"],
    }
    res = RunResults(config=cfg, incidents=incidents, rejects=rejects, districts=districts, grid=grid,
                     study_area=study_area, quality=quality)
    res.record = {"config_hash": "sha256:ab12cd", "input_hashes": {"p.csv": "sha256:ffee00", "d.gpkg": "sha256:0011"},
                  "versions": {"geolage": "0.1.0", "numpy": np.__version__, "pandas": pd.__version__},
                  "seed": 7, "started": "2026-11-25T10:00:00"}
    res.record_parameters("grid", announce=False, cell_size=500, cell_size_rule="auto: 500 m")
    res.record_parameters("hotspots", announce=False, distance=750.0, permutations=999, correction="fdr")
    _add_tables(res, names, ids, hostile)
    return res


def _t(res, name, data, counts=(), **kw):
    res.add_table(Table(name=name, data=data, title={"sv": name, "en": name}, count_columns=tuple(counts), **kw))


def _add_tables(res: RunResults, names: list[str], ids: list[str], hostile: bool) -> None:
    cats = [*CATS, "alla"] + ([HOSTILE_CATEGORY] if hostile else [])
    pop = dict(zip(ids, res.districts["population"], strict=False))
    counts = {  # district -> category -> count (hela); small values on purpose
        "D1": {"misshandel": 40, "inbrott_bostad": 3, "skadegorelse": 22},
        "D2": {"misshandel": 12, "inbrott_bostad": 9, "skadegorelse": 2},
        "D3": {"misshandel": 30, "inbrott_bostad": 14, "skadegorelse": 25},
        "D4": {"misshandel": 6, "inbrott_bostad": 0, "skadegorelse": 7},
    }
    rows = []
    for i, d in enumerate(ids):
        c = dict(counts[d])
        c["alla"] = sum(c.values())
        if hostile:
            c[HOSTILE_CATEGORY] = 8
        for cat in cats:
            rate = c[cat] / pop[d] * 1000
            rows.append({"district_id": d, "district_name": names[i], "category": cat, "period": "hela",
                         "count": c[cat], "population": pop[d], "rate": rate, "rate_ci_low": rate * 0.7,
                         "rate_ci_high": rate * 1.3, "eb_rate": rate * 0.95, "eb_rate_spatial": rate * 0.9,
                         "is_focus": d == "D1"})
    rd = gpd.GeoDataFrame(rows, geometry=[res.districts.geometry[r["district_id"]] for r in rows], crs=CRS)
    _t(res, "rates_district", rd, ["count"], style="rate", style_column="eb_rate")

    comp = pd.DataFrame([
        {"area": names[0], "category": "alla", "count": 65, "rate": 15.5, "ref_count": 131, "ref_rate": 7.4,
         "rate_ratio": 2.1, "rr_ci_low": 1.6, "rr_ci_high": 2.8, "rr_p": 0.0001, "lqc": 1.4},
        {"area": names[0], "category": "inbrott_bostad", "count": 3, "rate": 0.7, "ref_count": 23, "ref_rate": 1.7,
         "rate_ratio": 0.4, "rr_ci_low": 0.1, "rr_ci_high": 1.4, "rr_p": 0.2, "lqc": 0.5},
        {"area": names[0], "category": "misshandel", "count": 40, "rate": 9.5, "ref_count": 48, "ref_rate": 3.5,
         "rate_ratio": 2.7, "rr_ci_low": 1.8, "rr_ci_high": 4.1, "rr_p": 0.0001, "lqc": 1.6},
    ])
    _t(res, "comparison", comp, ["count", "ref_count"])

    profile = []  # focus area D1 in 2023-2024 (a few columns of area_profile; the rest are missing values)
    for rank, (cat, cnt, rate, rr) in enumerate((("alla", 65, 7.7, 2.1), ("misshandel", 40, 4.8, 2.7),
                                                  ("skadegorelse", 22, 2.6, 1.4), ("inbrott_bostad", 3, 0.4, 0.4))):
        profile.append({"area": "D1", "area_name": names[0], "category": cat, "period_start": "2023-01-01",
                        "period_end": "2024-12-31", "rate_basis": "population", "count": cnt, "exposure": 8400.0,
                        "rate": rate, "ref_rate": rate / rr, "whole_rate": rate / rr * 1.1, "rate_ratio": rr,
                        "rr_lo": rr * 0.8, "rr_hi": rr * 1.25, "direction": "up" if cat == "misshandel" else "none",
                        "priority_rank": float(rank) if cat != "alla" else float("nan"),
                        "priority_score": 3.0 - rank if cat != "alla" else float("nan"), "certainty": "medium"})
    _t(res, "area_profile", pd.DataFrame(profile), ["count"])

    fun = []
    for i, d in enumerate(ids):
        cnt = sum(counts[d].values())
        rate = cnt / pop[d] * 1000
        fun.append({"district_id": d, "district_name": names[i], "category": "alla", "population": pop[d],
                    "count": cnt, "rate": rate, "ref_rate": 10.0, "lim95_low": 7.0, "lim95_high": 13.0,
                    "lim998_low": 5.5, "lim998_high": 15.0,
                    "funnel_position": "above_998" if rate > 15 else ("below_95" if rate < 7 else "within")})
    _t(res, "funnel", pd.DataFrame(fun), ["count"])

    cov = pd.DataFrame([{"year": int(y), "bra_group": g, "bra_count": bc, "data_count": dc, "coverage": dc / bc}
                        for y in (2022, 2023, 2024)
                        for g, bc, dc in (("person", 1200, 1010), ("burglary", 150, 120), ("vandalism", 900, 640))])
    _t(res, "coverage", cov, ["data_count"])

    ser = []
    for cat, base in (("misshandel", 10), ("inbrott_bostad", 2), ("skadegorelse", 14)):
        for k, y in enumerate(YEARS):
            ser.append({"area": names[0], "category": cat, "period": y, "count": base + 3 * k})
    for y in YEARS:
        ser.append({"area": names[0], "category": "alla", "period": y,
                    "count": sum(r["count"] for r in ser if r["period"] == y and r["category"] != "alla")})
    _t(res, "series", pd.DataFrame(ser), ["count"])

    _t(res, "trend", pd.DataFrame([
        {"area": names[0], "category": "misshandel", "mk_s": 6, "mk_var_s": 8.7, "mk_z": 1.7, "mk_p": 0.01,
         "trend_pct_per_year": 12.3, "trend_ci_low": 4.0, "trend_ci_high": 21.0, "trend_model": "poisson",
         "change_baseline": 10, "change_current": 19, "change_pct": 90.0, "change_p": 0.04, "direction": "increasing"},
        {"area": names[0], "category": "inbrott_bostad", "mk_s": 2, "mk_var_s": 8.7, "mk_z": 0.3, "mk_p": 0.7,
         "trend_pct_per_year": 30.0, "trend_ci_low": -20.0, "trend_ci_high": 90.0, "trend_model": "poisson",
         "change_baseline": 2, "change_current": 8, "change_pct": 300.0, "change_p": 0.1, "direction": "no_trend"},
        {"area": names[1], "category": "skadegorelse", "mk_s": -6, "mk_var_s": 8.7, "mk_z": -1.7, "mk_p": 0.03,
         "trend_pct_per_year": -8.1, "trend_ci_low": -14.0, "trend_ci_high": -2.0, "trend_model": "poisson",
         "change_baseline": 30, "change_current": 22, "change_pct": -26.7, "change_p": 0.2, "direction": "decreasing"},
    ]))

    wh = [{"category": cat, "weekday": d, "hour": h, "weight": float((d + 1) * (h % 7))}
          for cat in ("alla", "misshandel") for d in range(7) for h in range(24)]
    _t(res, "time_weekday_hour", pd.DataFrame(wh), ["weight"])
    _t(res, "time_month", pd.DataFrame([{"category": "alla", "month": m, "weight": 10.0 + m} for m in range(1, 13)]),
       ["weight"])

    _t(res, "concentration", pd.DataFrame([
        {"unit": "grid", "category": "alla", "n_incidents": 200, "n_units": 32, "top1_share": 0.09,
         "top5_share": 0.3, "top10_share": 0.45, "gini": 0.52, "gini_generalised": 0.5},
        {"unit": "grid", "category": "inbrott_bostad", "n_incidents": 3, "n_units": 32, "top1_share": 0.33,
         "top5_share": 1.0, "top10_share": 1.0, "gini": 0.9, "gini_generalised": 0.9},
    ]), ["n_incidents"])
    lor = [{"unit": "grid", "category": cat, "place_share": p, "incident_share": min(1.0, p ** 0.4)}
           for cat in ("alla", "inbrott_bostad") for p in np.linspace(0, 1, 11)]
    _t(res, "lorenz", pd.DataFrame(lor))

    cell_ids = list(res.grid["cell_id"])
    classes = ["hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99"]
    gg = []
    for j, cid in enumerate(cell_ids):
        for cat in ("alla", "misshandel"):
            gg.append({"cell_id": cid, "category": cat, "count": (j * 3) % 11, "gistar_z": 2.5 - j * 0.15,
                       "gistar_p": 0.01 + j / 100, "gistar_q": 0.02 + j / 100,
                       "gistar_class": classes[j % 7] if j < 14 else "not_significant"})
    _t(res, "gistar_grid", gpd.GeoDataFrame(gg, geometry=[res.grid.geometry[r["cell_id"]] for r in gg], crs=CRS),
       ["count"], style="gistar", style_column="gistar_class")
    gd = [{"district_id": d, "category": "alla", "count": sum(counts[d].values()), "gistar_z": z, "gistar_p": p,
           "gistar_q": p, "gistar_class": c}
          for d, z, p, c in zip(ids, (3.1, 1.0, 0.2, -2.0), (0.002, 0.3, 0.8, 0.04),
                                ("hot_99", "not_significant", "not_significant", "cold_95"), strict=False)]
    _t(res, "gistar_district", gpd.GeoDataFrame(gd, geometry=list(res.districts.geometry), crs=CRS), ["count"],
       style="gistar", style_column="gistar_class")
    _t(res, "moran_global", pd.DataFrame([
        {"unit": "district", "category": "alla", "variable": "eb_rate", "moran_i": 0.31, "moran_ei": -0.33,
         "moran_z": 2.2, "moran_p_norm": 0.03, "moran_p_sim": 0.04}]))
    ld = [{"district_id": d, "category": "alla", "lisa_i": i, "lisa_p": p, "lisa_q": p, "lisa_cluster": c,
           "moran_x": x, "moran_lag": x * 0.8}
          for d, i, p, c, x in zip(ids, (1.2, 0.1, -0.3, 0.5), (0.01, 0.5, 0.4, 0.04), ("HH", "not_significant",
                                                                                       "not_significant", "LL"),
                                   (15.4, 7.4, 8.6, 5.2), strict=False)]
    _t(res, "lisa_district", gpd.GeoDataFrame(ld, geometry=list(res.districts.geometry), crs=CRS),
       style="lisa", style_column="lisa_cluster")
    em_codes = ["new_hot", "intensifying_hot", "persistent_hot", "no_pattern", "sporadic_cold"]
    eg = [{"cell_id": cid, "category": "alla", "emerging_category": em_codes[j % 5] if j < 10 else "no_pattern",
           "emerging_mk_z": 1.0, "emerging_mk_p": 0.3, "n_hot_bins": j % 4, "n_cold_bins": 0}
          for j, cid in enumerate(cell_ids)]
    _t(res, "emerging_grid", gpd.GeoDataFrame(eg, geometry=[res.grid.geometry[c] for c in cell_ids], crs=CRS),
       style="emerging", style_column="emerging_category")
    _t(res, "near_repeat", pd.DataFrame([
        {"distance_band": db, "time_band": tb, "observed": o, "expected": e, "ratio": o / e, "p_value": p}
        for db, tb, o, e, p in (("0–100", "0–7", 14, 6.0, 0.01), ("0–100", "8–14", 3, 4.0, 0.6),
                                ("100–200", "0–7", 9, 7.5, 0.3), ("100–200", "8–14", 8, 7.9, 0.5))]))
    _t(res, "forecast_backtest", pd.DataFrame([
        {"method": m, "origin": o, "area_share": a, "hit_rate": h, "pai": h / a, "pei": pe, "rri": 1.1}
        for m, base in (("kde", 0.30), ("naive_last", 0.28))
        for o in ("2024K1", "2024K2") for a, h, pe in ((0.05, base, 0.6), (0.10, base + 0.15, 0.7))]))
    _t(res, "forecast_summary", pd.DataFrame([
        {"method": "kde", "area_share": 0.05, "hit_rate": 0.30, "baseline_hit_rate": 0.28, "beats_baseline": False}]))
    _t(res, "forecast_district", pd.DataFrame([
        {"district_id": d, "category": "alla", "year": 2025, "forecast": f, "pi_low": f * 0.7, "pi_high": f * 1.3}
        for d, f in zip(ids, (70.0, 25.0, 66.0, 12.0), strict=False)]))
    _t(res, "incident_points", res.incidents[["incident_id", "category", "text", "geometry"]].copy(),
       internal_only=True, style="points")
    arr = np.zeros((4, 8))
    arr[1, 2] = 40.0
    arr[2, 5] = 0.5
    res.add_raster(Raster(name="kde_alla", array=arr, transform=Affine(CELL, 0, X0, 0, -CELL, Y0 + 2000), crs=CRS,
                          unit="incidents per km²", title={"sv": "Täthet", "en": "Density"},
                          parameters={"kernel": "quartic", "bandwidth": 400.0}))
