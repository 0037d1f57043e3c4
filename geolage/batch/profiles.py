"""Batch profiles: what each municipality's run computes and writes (``geolage batch --profile``).

``full`` (the default) runs every municipality as ``geolage run`` would with the template's
settings. ``national`` is for a county or all 290 municipalities at once, where the full
lägesbild of each (report, map, density rasters, forecasts) would take hours: it keeps what a
national or regional comparison needs and says what it leaves out, in both languages, in
each municipality's ``run.json`` (``record.batch_profile``) and in the national summary
(``batch.json``).

What ``national`` keeps and drops, and why (measured on a 2-core machine; the CPU seconds
are for a municipality of about 11,000 incidents with the demo's settings):

- the grid cell size is chosen per municipality (``grid.cell_size = "auto"``,
  :func:`geolage.grid.choose_cell_size`: 100–1000 m from the incidents' extent) instead of
  the template's fixed size: a 250 m grid over a large rural municipality has hundreds of
  thousands of cells, almost all empty (Vansbro, 1,636 km²: 26,000 cells at 250 m, 6,700 at
  500 m; the hot spot step went from 27 s to 4 s);
- the neighbourhood distances (``hotspots.distance``, ``emerging.distance``) are ``"auto"``
  (cells have on average at least ``hotspots.min_neighbours`` neighbours), so that they
  follow the cell size: a fixed 500 m band is refused with 1000 m cells (no cell would
  have a neighbour), and with 100 m cells gives each cell about 80 neighbours, which made
  the permutation tests of a small municipality (Oxelösund, 7,800 incidents, 100 m) take
  77 s;
- steps kept: ``statistics`` (rates, comparisons, trends, coverage against Brå, concentration)
  and ``hotspots`` (Gi*, Moran's I, LISA on the grid and the districts);
- steps dropped: ``density`` (kernel density rasters), ``emerging`` (space-time cube: 5.5 s
  at 530,000 incidents), ``near_repeat`` (the Knox test: its pairs grow with the square of
  the incidents in dense places; more than three minutes at 530,000 incidents, the largest
  municipalities have three times as many), ``forecast`` (next-period forecast and its
  backtest: 5 s) and ``areas`` (focus-area profiles; a batch has no focus areas);
- global Moran's I uses 99 permutations instead of the template's (999): one test per
  municipality and category, reported beside its analytical p-value (``moran_p_norm``); 99
  permutations resolve p down to 0.01. Gi* and LISA keep their automatic permutations (as
  many as the FDR correction over the cells needs), so no hot spot depends on this choice;
- outputs written: the tables (CSV and README) and the GeoPackage; not written: the report
  (HTML/PDF), the web map, the GeoTIFF rasters with the QGIS project and the Excel workbook
  (the same tables as the CSVs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from ..outputs.write import OUTPUT_PARTS
from ..run import schemas
from ..text.format import Text

__all__ = ["BatchProfile", "PROFILES", "get_profile"]


@dataclass(frozen=True)
class BatchProfile:
    """What each municipality of a batch computes and writes.

    Attributes
    ----------
    name : str
        ``"full"`` or ``"national"``.
    steps : tuple of str or None
        Analysis steps run (``statistics`` always); None: every step.
    parts : tuple of str
        Output parts written (:data:`geolage.outputs.write.OUTPUT_PARTS`; the workbook only with the tables).
    cell_size : "auto" or None
        Grid cell size set on every municipality's configuration; None keeps the template's.
        With ``"auto"`` the neighbourhood distances are ``"auto"`` too (they follow the cell).
    moran_permutations : int or None
        Permutations of global Moran's I (``hotspots.permutations``); None keeps the template's.
    left_out : tuple of (key, Text)
        What the profile leaves out or changes, each with why, in Swedish and English.
    """

    name: str
    steps: tuple[str, ...] | None = None
    parts: tuple[str, ...] = OUTPUT_PARTS
    cell_size: str | None = None
    moran_permutations: int | None = None
    description: Text = field(default_factory=lambda: Text("", ""))
    left_out: tuple[tuple[str, Text], ...] = ()

    def apply(self, config: Config) -> Config:
        """``config`` with the profile's grid cell size, distances and Moran permutations (unchanged for ``full``)."""
        if self.cell_size is not None:
            config = dataclasses.replace(
                config, grid=dataclasses.replace(config.grid, cell_size=self.cell_size),
                hotspots=dataclasses.replace(config.hotspots, distance="auto"),
                emerging=dataclasses.replace(config.emerging, distance="auto"),
            )
        if self.moran_permutations is not None and config.hotspots.permutations > self.moran_permutations:
            config = dataclasses.replace(config, hotspots=dataclasses.replace(
                config.hotspots, permutations=self.moran_permutations))
        return config

    def record(self) -> dict[str, Any]:
        """The profile as recorded in ``run.json`` and ``batch.json``: its name and what it leaves out, sv and en."""
        return {
            "name": self.name,
            "description": dict(self.description),
            "steps": list(self.steps) if self.steps is not None else "all",
            "outputs": list(self.parts),
            "left_out": [{"what": key, "sv": text["sv"], "en": text["en"]} for key, text in self.left_out],
        }


_NATIONAL_LEFT_OUT = (
    ("grid.cell_size", Text(
        "Rutstorleken väljs per kommun (grid.cell_size = \"auto\": 100–1000 m efter händelsernas utbredning) i stället "
        "för mallens fasta storlek, så att stora landsbygdskommuner inte får hundratusentals tomma rutor.",
        "The grid cell size is chosen per municipality (grid.cell_size = \"auto\": 100–1000 m from the incidents' "
        "extent) instead of the template's fixed size, so that large rural municipalities do not get hundreds of "
        "thousands of empty cells.")),
    ("hotspots.distance", Text(
        "Grannskapsavstånden (hotspots.distance, emerging.distance) är \"auto\" (i snitt minst "
        "hotspots.min_neighbours grannar per ruta) så att de följer rutstorleken.",
        "The neighbourhood distances (hotspots.distance, emerging.distance) are \"auto\" (on average at least "
        "hotspots.min_neighbours neighbours per cell) so that they follow the cell size.")),
    ("density", Text("Kärntäthet (KDE-rasterytor) beräknas inte.", "Kernel density (KDE rasters) is not computed.")),
    ("emerging", Text("Framväxande hot spots (rum–tid-kuben) beräknas inte.",
                      "Emerging hot spots (the space-time cube) are not computed.")),
    (schemas.NEAR_REPEAT.step, Text(
        "Knox-testet för upprepad utsatthet görs inte (dess par växer med kvadraten på antalet händelser i täta "
        "områden); kör geolage run för kommunen för att få det.",
        "The Knox test for near-repeat victimisation is not made (its pairs grow with the square of the incidents in "
        "dense places); run geolage run for the municipality to get it.")),
    ("forecast", Text("Prognos för nästa period och dess bakåttest beräknas inte.",
                      "The next-period forecast and its backtest are not computed.")),
    ("areas", Text("Profiler för fokusområden görs inte (en batch har inga fokusområden).",
                   "Focus-area profiles are not made (a batch has no focus areas).")),
    ("hotspots.permutations", Text(
        "Globalt Morans I prövas med 99 permutationer i stället för mallens (p ned till 0,01; det analytiska "
        "p-värdet står bredvid). Gi* och LISA behåller sina automatiska permutationer.",
        "Global Moran's I is tested with 99 permutations instead of the template's (p down to 0.01; the analytical "
        "p-value is beside it). Gi* and LISA keep their automatic permutations.")),
    ("report", Text("Rapporten (HTML/PDF) skrivs inte.", "The report (HTML/PDF) is not written.")),
    ("map", Text("Webbkartan skrivs inte.", "The web map is not written.")),
    ("qgis", Text("GeoTIFF-rasterytor och QGIS-projekt skrivs inte (tabellerna finns i GeoPackage-filen).",
                  "GeoTIFF rasters and the QGIS project are not written (the tables are in the GeoPackage).")),
    ("workbook", Text("Excel-arbetsboken skrivs inte (samma tabeller finns som CSV).",
                      "The Excel workbook is not written (the same tables are there as CSV).")),
)

#: The batch profiles by name (``geolage batch --profile``).
PROFILES: dict[str, BatchProfile] = {
    "full": BatchProfile(
        name="full",
        description=Text("Hela lägesbilden för varje kommun, med mallens inställningar.",
                         "The full situation picture of every municipality, with the template's settings."),
    ),
    "national": BatchProfile(
        name="national",
        steps=("statistics", "hotspots"),
        parts=("tables", "gpkg"),
        cell_size="auto",
        moran_permutations=99,
        description=Text(
            "Nationell profil: tal, jämförelser, trender, täckning mot Brå och hot spots per kommun, som tabeller "
            "och GeoPackage; rutstorlek per kommun.",
            "National profile: rates, comparisons, trends, coverage against Brå and hot spots per municipality, as "
            "tables and GeoPackage; grid cell size per municipality."),
        left_out=_NATIONAL_LEFT_OUT,
    ),
}


def get_profile(name: str) -> BatchProfile:
    """The profile called ``name``.

    Raises
    ------
    ConfigError
        No such profile (the message lists them).
    """
    from ..errors import ConfigError

    if name not in PROFILES:
        raise ConfigError(f"--profile: no batch profile '{name}'; profiles are {', '.join(PROFILES)}")
    return PROFILES[name]
