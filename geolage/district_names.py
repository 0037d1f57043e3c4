"""Incidents that name their district: the name or code in a column matched to the district layer.

``[sources.columns] district = "lsoa_code"`` says which column of a source names each incident's
district, by the layer's id (``districts.id_field``) or name (``districts.name_field``), compared
without case and surrounding spaces. The incident then belongs to the district it names, not the
one its point falls in (the point still places it in the grid). A row whose value is in neither
field is rejected (``unknown_district``, with the value and the fix); a row with an empty value is
placed by its point, as without the column.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["NAMED_DISTRICT", "district_lookup", "match_district_names", "district_column"]

#: Column of the candidate incidents holding the district a row names (dropped once districts are set).
NAMED_DISTRICT = "__named_district"


def _key(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.casefold()


def district_lookup(districts: gpd.GeoDataFrame) -> dict[str, str]:
    """Each district's id and name (stripped, case-folded) -> its ``district_id``; ids win over names.

    Parameters
    ----------
    districts : GeoDataFrame
        With ``district_id`` and ``district_name`` (:func:`geolage.io.read_districts`).

    Returns
    -------
    dict
    """
    ids = districts["district_id"].astype(str).to_numpy(dtype=object)
    lookup = dict(zip(_key(districts["district_name"]).fillna(""), ids, strict=True))
    lookup.update(zip(_key(districts["district_id"]), ids, strict=True))
    lookup.pop("", None)
    return lookup


def match_district_names(values: pd.Series, lookup: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The district each value names.

    Parameters
    ----------
    values : Series
        The source's district column as read (text).
    lookup : dict
        From :func:`district_lookup`.

    Returns
    -------
    district : ndarray of object
        The ``district_id`` named, None where the value is empty or unknown.
    unknown : ndarray of bool
        A non-empty value that names no district.
    """
    key = _key(values).fillna("")
    district = key.map(lookup).to_numpy(dtype=object)
    district[pd.isna(district)] = None
    unknown = (key != "").to_numpy(dtype=bool) & pd.isna(district)
    return district, unknown


def district_column(value_counts: dict[str, pd.Series], keys: frozenset[str]) -> tuple[str, int, int] | None:
    """The source column that names the districts best (for ``geolage init``).

    Parameters
    ----------
    value_counts : dict
        Column -> rows per distinct value (stripped text).
    keys : frozenset of str
        The district layer's ids and names.

    Returns
    -------
    tuple or None
        (column, rows whose value names a district, rows with a value) of the column whose values
        name a district in the most rows, when that is at least half of its rows; else None.
    """
    folded = {k.strip().casefold() for k in keys} - {""}
    best = None
    for column, counts in value_counts.items():
        counts = counts[counts.index != ""]
        total = int(counts.sum())
        matched = int(counts[[str(v).casefold() in folded for v in counts.index]].sum())
        if total and matched >= 0.5 * total and (best is None or matched > best[1]):
            best = (column, matched, total)
    return best
