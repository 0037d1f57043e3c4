"""A small hand-built RunResults around Borås (EPSG:3006) for exporter tests (maps, report).

``make_results()`` gives 6 districts, a 250 m grid, the spatial tables the map draws
(``rates_district``, ``gistar_grid``, ``lisa_district``, ``emerging_grid``), two
density rasters, one overlay and 240 incidents. ``make_results(hostile=True)``
puts hostile text (script tags, SQL-like strings, a 5,000-character name, text
decoded from non-UTF-8 bytes) into every text field that comes from input data.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import Polygon, box

from geolage.config import config_from_dict
from geolage.run.results import Raster, RunResults, Table

__all__ = ["make_results", "HOSTILE_NAMES", "X0", "Y0"]

X0, Y0 = 375000.0, 6398000.0  # lower-left corner of the fixture area (SWEREF 99 TM)
CRS = "EPSG:3006"

#: Hostile texts used as names; none of them may run or break the page.
HOSTILE_NAMES = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "'; DROP TABLE x; --",
    "Å" * 5000,
    b"Bor\xe5s \xff\xfe centrum".decode("utf-8", errors="replace"),  # Latin-1 bytes read as UTF-8
    "Hässleholmen".encode().decode("cp1252") + "\x00\x1b[31m",  # mojibake and control characters
    "</script><script>window.__pwned=1</script>",
]
NORMAL_NAMES = ["Centrum", "Norrby", "Hässleholmen", "Göta", "Sjöbo", "Byttorp", "Hulta"]


def _config(name: str, synthetic: bool, min_count: int = 5):
    return config_from_dict(
        {
            "project": {"name": name, "synthetic": synthetic},
            "districts": {"path": "districts.gpkg", "id_field": "id", "name_field": "name"},
            "sources": [{
                "name": "polis", "path": "polis.csv",
                "columns": {"category": "kod", "x": "x", "y": "y", "datetime": "tid"},
                "categories": {"1": "misshandel", "2": "inbrott_bostad"},
            }],
            "periods": {"start": dt.date(2023, 1, 1), "end": dt.date(2024, 12, 31), "unit": "year"},
            "overlays": [{"name": "Utsatta områden", "path": "uso.gpkg", "label_field": "NAMN"}],
            "output": {"min_count": min_count},
        },
        check_files=False,
    )


def _districts(names: list[str]) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    polys = []
    for j in range(2):
        for i in range(3):
            x, y = X0 + i * 1000, Y0 + j * 1000
            # a slightly irregular outline (shared edges stay straight)
            mid = 500 + rng.uniform(-80, 80)
            polys.append(Polygon([(x, y), (x + mid, y), (x + 1000, y), (x + 1000, y + 1000),
                                  (x + mid, y + 1000), (x, y + 1000)]))
    ids = [f"1490R{k:03d}" for k in range(1, 7)]
    return gpd.GeoDataFrame(
        {"district_id": ids, "district_name": names, "population": [4200.0, 3100, 5600, 2500, 6100, 1800],
         "is_focus": [True, False, False, False, False, False], "is_reference": [False] + [True] * 5},
        geometry=polys, crs=CRS, index=pd.Index(ids, name="district_id"))


def _grid(size: int = 250) -> gpd.GeoDataFrame:
    rows = []
    for r in range(int(2000 / size)):
        for c in range(int(3000 / size)):
            x0, y0 = X0 + c * size, Y0 + r * size
            cid = f"{int(x0):06d}{int(y0):07d}"
            rows.append({"cell_id": cid, "x0": x0, "y0": y0, "col": c, "row": r, "area_share": 1.0,
                         "geometry": box(x0, y0, x0 + size, y0 + size)})
    grid = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).set_index("cell_id", drop=False)
    grid.attrs["cell_size"] = size
    grid.attrs["origin"] = (X0, Y0)
    return grid


def _raster(category: str, cx: float, cy: float, scale: float) -> Raster:
    cell = 50.0
    xs = X0 + cell * (np.arange(60) + 0.5)
    ys = Y0 + 2000 - cell * (np.arange(40) + 0.5)
    xx, yy = np.meshgrid(xs, ys)
    arr = scale * np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 300.0**2)))
    arr[0, 0] = np.nan
    return Raster(name=f"kde_{category}", array=arr, transform=Affine(cell, 0, X0, 0, -cell, Y0 + 2000),
                  crs=CRS, unit="brott per km²", title={"sv": "Täthet", "en": "Density"},
                  parameters={"kernel": "quartic", "bandwidth": 300})


def make_results(*, hostile: bool = False, synthetic: bool = True, seed: int = 7) -> RunResults:
    """A small RunResults (EPSG:3006, Borås) with the spatial tables, rasters and an overlay.

    Parameters
    ----------
    hostile : bool
        Put hostile text into district names, a category code, the overlay label and
        the project name.
    synthetic : bool
        ``config.project.synthetic``.
    seed : int
        Seed of the random counts and incidents.
    """
    rng = np.random.default_rng(seed)
    names = HOSTILE_NAMES if hostile else NORMAL_NAMES
    project = ("<script>window.__pwned=1</script> Lägesbild & Co" if hostile else "Lägesbild Borås")
    config = _config(project, synthetic)
    districts = _districts(list(names)[:6])
    grid = _grid()
    cats = ["alla", "misshandel", "inbrott_bostad"]
    if hostile:
        cats.append('<img src=x onerror="window.__pwned=1">')

    rows = []
    for cat in cats:
        for period in ["hela", "2023", "2024"]:
            for k, (did, d) in enumerate(districts.iterrows()):
                count = int(rng.integers(0, 40)) if k != 3 else 3  # district 4: a small count
                pop = d["population"]
                rate = 1000 * count / pop
                rows.append({"district_id": did, "district_name": d["district_name"], "category": cat,
                             "period": period, "count": count, "population": pop, "rate": rate,
                             "rate_ci_low": max(rate - 2.0, 0.0), "rate_ci_high": rate + 2.5,
                             "eb_rate": rate * 0.9 + 0.5, "eb_rate_spatial": rate * 0.85 + 0.7,
                             "is_focus": d["is_focus"], "geometry": d.geometry})
    rates = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)

    gi_classes = ["hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99"]
    rows = []
    for cat in cats:
        for _, cell in grid.iterrows():
            # planted hot spot in the south-west, cold spot in the north-east
            dist_hot = np.hypot(cell.x0 - (X0 + 500), cell.y0 - (Y0 + 500))
            dist_cold = np.hypot(cell.x0 - (X0 + 2500), cell.y0 - (Y0 + 1500))
            z = 3.2 * np.exp(-dist_hot / 500) - 2.8 * np.exp(-dist_cold / 400) + rng.normal(0, 0.2)
            cls = ("hot_99" if z > 2.58 else "hot_95" if z > 1.96 else "hot_90" if z > 1.65 else
                   "cold_99" if z < -2.58 else "cold_95" if z < -1.96 else "cold_90" if z < -1.65
                   else "not_significant")
            assert cls in gi_classes
            rows.append({"cell_id": cell.cell_id, "category": cat, "count": int(max(0, 5 + 4 * z)),
                         "gistar_z": z, "gistar_p": 0.01, "gistar_q": 0.02, "gistar_class": cls,
                         "geometry": cell.geometry})
    gistar = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)

    lisa_codes = ["HH", "not_significant", "HL", "LL", "not_significant", "LH"]
    rows = []
    for cat in cats:
        for k, (did, d) in enumerate(districts.iterrows()):
            rows.append({"district_id": did, "category": cat, "lisa_i": 0.5 - 0.1 * k, "lisa_p": 0.03,
                         "lisa_q": 0.04, "lisa_cluster": lisa_codes[k], "moran_x": 1.0, "moran_lag": 0.5,
                         "geometry": d.geometry})
    lisa = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)

    em_codes = ["new_hot", "persistent_hot", "intensifying_hot", "sporadic_cold", "no_pattern", "no_pattern"]
    rows = []
    for cat in cats:
        for i, (_, cell) in enumerate(grid.iterrows()):
            code = em_codes[i % len(em_codes)] if cell.col < 4 and cell.row < 4 else "no_pattern"
            rows.append({"cell_id": cell.cell_id, "category": cat, "emerging_category": code,
                         "emerging_mk_z": 1.2, "emerging_mk_p": 0.2, "n_hot_bins": 3, "n_cold_bins": 0,
                         "geometry": cell.geometry})
    emerging = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)

    n = 240
    inc_cat = rng.choice(["misshandel", "inbrott_bostad"], size=n)
    xs = rng.normal(X0 + 700, 350, n).clip(X0, X0 + 2999)
    ys = rng.normal(Y0 + 700, 300, n).clip(Y0, Y0 + 1999)
    times = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    incidents = gpd.GeoDataFrame(
        {"incident_id": [f"polis:{i}" for i in range(n)], "source": "polis", "source_row": np.arange(1, n + 1),
         "category": inc_cat, "source_category": "1", "time": times, "time_from": times, "time_to": times,
         "has_clock_time": True, "x": xs, "y": ys, "district_id": None, "district_name": None, "cell_id": None,
         "fixes": "", "text": "<b>fritext</b> 19850101-XXXX"},
        geometry=gpd.points_from_xy(xs, ys), crs=CRS)

    overlay = gpd.GeoDataFrame(
        {"NAMN": [names[0] if hostile else "Norrby", names[1] if hostile else "Hässleholmen"]},
        geometry=[box(X0 + 200, Y0 + 1100, X0 + 1100, Y0 + 1800), box(X0 + 1900, Y0 + 200, X0 + 2700, Y0 + 900)],
        crs=CRS)

    results = RunResults(
        config=config, incidents=incidents, rejects=pd.DataFrame(), districts=districts, grid=grid,
        study_area=gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3000, Y0 + 2000)], crs=CRS),
        overlays={"Utsatta områden": overlay},
    )
    results.add_table(Table("rates_district", rates, {"sv": "Brott per 1 000 invånare", "en": "Rate per 1,000"},
                            count_columns=("count",), style="rate", style_column="eb_rate"))
    results.add_table(Table("gistar_grid", gistar, {"sv": "Hot spots (Gi*), rutor", "en": "Hot spots (Gi*), cells"},
                            count_columns=("count",), style="gistar", style_column="gistar_class"))
    results.add_table(Table("lisa_district", lisa, {"sv": "LISA-kluster, områden", "en": "LISA clusters"},
                            style="lisa", style_column="lisa_cluster"))
    results.add_table(Table("emerging_grid", emerging,
                            {"sv": "Framväxande hot spots", "en": "Emerging hot spots"},
                            style="emerging", style_column="emerging_category"))
    results.add_table(Table("incidents", incidents, {"sv": "Brott", "en": "Incidents"}, internal_only=True,
                            style="points"))
    results.add_raster(_raster("alla", X0 + 800, Y0 + 700, 120.0))
    results.add_raster(_raster("misshandel", X0 + 2000, Y0 + 1200, 60.0))
    return results
