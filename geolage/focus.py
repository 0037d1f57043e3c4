"""Focus areas: named groups of districts, each one unit of analysis with its own lägesbild.

A focus area is given in ``[areas] focus`` either as a district (name or id: one district = one
area, as old configurations say it) or as a table with a name and its districts::

    [[areas.focus]]
    name = "Hässleholmen/Hulta"
    districts = ["Hässleholmen väst", "Hässleholmen öst norr", "Hulta centrum-Sörmarken",
                 "Hulta syd-Trandared norr-Brotorp"]

:func:`resolve_focus_areas` checks the names against the districts once, before any analysis,
and gives each area the id its rows carry in every result table (``area``): the district's id
for a one-district area, otherwise a code made from the name (:func:`area_code`). The districts
table records each district's area in ``focus_area``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from .config import FocusAreaConfig
from .errors import ConfigError

if TYPE_CHECKING:
    from .previous import PublishedFigures

__all__ = [
    "FOCUS_AREA_COLUMN", "FocusArea", "district_ids", "area_code", "resolve_focus_areas", "focus_areas_of",
    "area_groups", "focus_area_shapes",
]

#: Column of the districts table naming the focus area a district belongs to (its ``area_id``; None outside).
FOCUS_AREA_COLUMN = "focus_area"


@dataclass(frozen=True)
class FocusArea:
    """One focus area as the run uses it.

    Attributes
    ----------
    area_id : str
        Its id in result tables (column ``area``): the district id of a one-district area, else
        :func:`area_code` of the name.
    name : str
        Name for people (reports, maps).
    slug : str
        ASCII code for file names (``rapport_<slug>.html``).
    district_ids : tuple of str
        Its districts.
    previous : (date, date) or None
        Period of the area's previous lägesbild.
    assignment : str or None
        Who asked for the lägesbild and why (free text from the config).
    published : PublishedFigures or None
        The previous lägesbild's figures read from an earlier output folder when the run is
        prepared (:func:`geolage.previous.with_published`); ``previous`` is then its period.
    """

    area_id: str
    name: str
    slug: str
    district_ids: tuple[str, ...]
    previous: tuple[dt.date, dt.date] | None = None
    assignment: str | None = None
    published: PublishedFigures | None = None

    @property
    def is_group(self) -> bool:
        """True when the area is made of more than one district (its parts are shown too)."""
        return len(self.district_ids) > 1


def area_code(name: str) -> str:
    """An ASCII code for a name: ``"Hässleholmen/Hulta"`` -> ``"hassleholmen_hulta"``.

    Parameters
    ----------
    name : str

    Returns
    -------
    str
        Lower-case letters, digits and ``_`` (``"area"`` when nothing is left).
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    code = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return code or "area"


def _lookup(districts: pd.DataFrame) -> tuple[set[str], dict[str, str], dict[str, str]]:
    ids = [str(i) for i in districts["district_id"]]
    names = [str(n) for n in districts["district_name"]]
    return set(ids), {n.casefold(): i for i, n in zip(ids, names, strict=True)}, dict(zip(ids, names, strict=True))


def district_ids(items: Sequence[str], key: str, districts: pd.DataFrame) -> list[str]:
    """Ids of the districts named by id or name (case-insensitive); ConfigError naming ``key`` for unknown ones."""
    ids, by_name, _ = _lookup(districts)
    found, missing = [], []
    for item in items:
        if str(item) in ids:
            found.append(str(item))
        elif str(item).casefold() in by_name:
            found.append(by_name[str(item).casefold()])
        else:
            missing.append(str(item))
    if missing:
        examples = ", ".join(list(districts["district_name"].astype(str))[:5])
        raise ConfigError(
            f"'{key}': no district with name or id {', '.join(repr(m) for m in missing)}; "
            f"district names are e.g. {examples}"
        )
    return list(dict.fromkeys(found))


def resolve_focus_areas(focus: Sequence[str | FocusAreaConfig], districts: pd.DataFrame) -> list[FocusArea]:
    """The focus areas of ``[areas] focus`` with their districts found by id or name.

    Parameters
    ----------
    focus : sequence of str or FocusAreaConfig
        ``config.areas.focus``.
    districts : DataFrame
        With ``district_id`` and ``district_name``.

    Returns
    -------
    list of FocusArea
        In the order of the configuration.

    Raises
    ------
    ConfigError
        A district name or id not found, a district in two focus areas, or two areas whose
        codes coincide (names that differ only in accents or punctuation).
    """
    _, _, names = _lookup(districts)
    out: list[FocusArea] = []
    for i, item in enumerate(focus):
        if isinstance(item, FocusAreaConfig):
            members = district_ids(item.districts, f"areas.focus[{i}].districts", districts)
            name = item.name.strip()
            area_id = members[0] if len(members) == 1 else area_code(name)
            out.append(FocusArea(area_id, name, area_code(name), tuple(members), item.previous, item.assignment))
        else:
            (member,) = district_ids([item], "areas.focus", districts)
            out.append(FocusArea(member, names[member], area_code(names[member]), (member,)))
    _check_distinct(out, set(names))
    return out


def _check_distinct(areas: list[FocusArea], district_ids: set[str]) -> None:
    seen: dict[str, str] = {}
    for area in areas:
        for d in area.district_ids:
            if d in seen:
                raise ConfigError(
                    f"'areas.focus': district {d!r} is in both '{seen[d]}' and '{area.name}'; "
                    "a district may belong to one focus area only"
                )
            seen[d] = area.name
    slugs = [a.slug for a in areas]
    for dup in sorted({s for s in slugs if slugs.count(s) > 1}):
        raise ConfigError(f"'areas.focus': two focus areas have names that give the same file name '{dup}'; "
                          "rename one")
    for area in areas:
        if area.is_group and area.area_id in district_ids:
            raise ConfigError(f"'areas.focus': the area name '{area.name}' gives the code {area.area_id!r}, "
                              "which is also a district id; rename the area")


def focus_areas_of(results: Any) -> list[FocusArea]:
    """The focus areas of a run: as resolved when it was prepared, else from its configuration and districts.

    Results made by hand (not by :func:`geolage.run.prepare.prepare`) whose configuration names no
    focus area, or districts they do not have, fall back to one area per ``is_focus`` district.
    """
    if getattr(results, "focus_areas", None):
        return list(results.focus_areas)
    d = results.districts
    if d is None or not len(d) or "district_name" not in d.columns:
        return []
    frame = pd.DataFrame({"district_id": [str(i) for i in d.index], "district_name": d["district_name"].astype(str)})
    try:
        areas = resolve_focus_areas(results.config.areas.focus, frame)
    except ConfigError:
        areas = []
    if areas or "is_focus" not in d.columns:
        return areas
    focus = frame[d["is_focus"].fillna(False).astype(bool).to_numpy()]
    return [FocusArea(i, n, area_code(n), (i,)) for i, n in zip(focus["district_id"], focus["district_name"],
                                                                 strict=True)]


def area_groups(areas: Sequence[FocusArea]) -> list[tuple[str, str, list[str]]]:
    """``(area id, name, member district ids)`` of each focus area, the form the statistics take."""
    return [(a.area_id, a.name, list(a.district_ids)) for a in areas]


def focus_area_shapes(districts: gpd.GeoDataFrame, areas: Sequence[FocusArea]) -> gpd.GeoDataFrame:
    """One polygon per focus area (its districts dissolved), with name, district count and population.

    Parameters
    ----------
    districts : GeoDataFrame
        Indexed by district id (as the run's districts), with ``population`` when known.
    areas : sequence of FocusArea

    Returns
    -------
    GeoDataFrame
        Columns ``area_id``, ``area_name``, ``n_districts``, ``population``, ``geometry`` (CRS of
        ``districts``).
    """
    rows, geoms = [], []
    index = {str(i): i for i in districts.index}
    for a in areas:
        part = districts.loc[[index[d] for d in a.district_ids if d in index]]
        pop = pd.to_numeric(part.get("population", pd.Series(dtype=float)), errors="coerce")
        rows.append({"area_id": a.area_id, "area_name": a.name, "n_districts": len(part),
                     "population": float(pop.sum()) if pop.notna().any() else float("nan")})
        geoms.append(shapely.union_all(shapely.make_valid(part.geometry.values)) if len(part) else None)
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["area_id", "area_name", "n_districts", "population"]),
                            geometry=geoms, crs=districts.crs)
