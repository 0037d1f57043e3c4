"""Plain-language sentences about the forecasts, in Swedish and English."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..categories import ALL_CATEGORIES
from .format import LANGUAGES, Text, check_language, format_number
from .labels import category_label

__all__ = ["METHOD_NAMES", "NO_EVALUATION", "forecast_summary_text", "forecast_summary_description"]

#: The forecast methods as named in a sentence.
METHOD_NAMES: dict[str, Text] = {
    "naive": Text("den naiva prognosen (förra periodens antal)", "the naive forecast (last period's counts)"),
    "prospective": Text("den prospektiva hotspotkartan", "the prospective hotspot map"),
    "glm": Text("regressionsmodellen", "the regression model"),
}
NO_EVALUATION = Text("Ingen prognosutvärdering kunde göras.", "No forecast evaluation could be made.")
_ALL_CRIME = Text("alla brott", "all crime")
_TOO_FEW = Text(
    "\nFör få händelser (under {n}) för en prognos per ruta: {listed}.",
    "\nToo few incidents (under {n}) for a grid forecast: {listed}.",
)

#: Sentence parts of :func:`forecast_summary_text`.
_CAPTURED = Text(
    "{label}, {pct} % av ytan: {name} fångade i genomsnitt {hit} % av brotten (PAI {pai})",
    "{label}, {pct} % of the area: {name} captured on average {hit} % of crime (PAI {pai})",
)
_NAIVE = Text(
    ", mot {hit} % (PAI {pai}) för den naiva prognosen", ", against {hit} % (PAI {pai}) for the naive forecast"
)
_DIFFERENCE = Text(
    "; skillnad i PAI {diff} (95 % KI {low} till {high}, {n} prognostillfällen)",
    "; PAI difference {diff} (95 % CI {low} to {high}, {n} origins)",
)
_BETTER = Text(". Modellen är bättre än den naiva prognosen.", ". The model is better than the naive forecast.")
_NOT_BETTER = Text(
    ". Modellen är inte säkert bättre än den naiva prognosen.",
    ". The model is not reliably better than the naive forecast.",
)


def _sentence(r: Mapping, base: pd.DataFrame, label: str, pct: str, language: str) -> str:
    """The sentence about one method at one area share, compared with the naive forecast ``base``."""
    name = METHOD_NAMES[r["method"]][language] if r["method"] in METHOD_NAMES else r["method"]
    text = _CAPTURED[language].format(
        label=label.capitalize(), pct=pct, name=name,
        hit=format_number(100 * r["hit_rate"], language, 0), pai=format_number(r["pai"], language, 1),
    )
    if not base.empty:
        b = base.iloc[0]
        text += _NAIVE[language].format(
            hit=format_number(100 * b["hit_rate"], language, 0), pai=format_number(b["pai"], language, 1)
        )
    if pd.notna(r["pai_diff_ci_low"]):
        text += _DIFFERENCE[language].format(
            diff=format_number(r["pai_diff"], language, 1), low=format_number(r["pai_diff_ci_low"], language, 1),
            high=format_number(r["pai_diff_ci_high"], language, 1), n=r["n_origins"],
        )
    return text + (_BETTER if r["beats_baseline"] else _NOT_BETTER)[language]


def forecast_summary_text(
    summary: pd.DataFrame, language: str = "sv", *, category: str | None = ALL_CATEGORIES
) -> str:
    """Plain-language sentences on whether the forecasts beat the naive baseline.

    Parameters
    ----------
    summary : DataFrame
        From :func:`geolage.stats.forecast.summarise_backtest` (the ``forecast_summary`` table).
    language : {"sv", "en"}
    category : str or None
        Only this category (default all together, :data:`~geolage.categories.ALL_CATEGORIES`);
        None for every category.

    Returns
    -------
    str
        One sentence per line. A method is said to be better than the baseline only when
        ``beats_baseline`` is True; otherwise the text says it is not reliably better.
    """
    check_language(language)
    rows = summary if category is None else summary[summary["category"] == category]
    lines = []
    for (cat, share), part in rows.groupby(["category", "area_share"], sort=False):
        base = part[part["method"] == "naive"]
        pct = format_number(share * 100, language, 0)
        label = category_label(cat, language) if cat != ALL_CATEGORIES else _ALL_CRIME[language]
        for _, r in part[part["method"] != "naive"].iterrows():
            if pd.notna(r["pai"]):
                lines.append(_sentence(r, base, label, pct, language))
    return "\n".join(lines) if lines else NO_EVALUATION[language]


def forecast_summary_description(summary: pd.DataFrame, skipped: Mapping[str, int], min_incidents: int) -> Text:
    """Description of the ``forecast_summary`` table: the sentences, then the categories too small for a grid forecast.

    Parameters
    ----------
    summary : DataFrame
        The ``forecast_summary`` table.
    skipped : mapping of str to int
        Categories not forecast on the grid, with their number of incidents.
    min_incidents : int
        The threshold they fell under.
    """
    out = Text(forecast_summary_text(summary, "sv"), forecast_summary_text(summary, "en"))
    if not skipped:
        return out
    listed = {
        lang: ", ".join(f"{category_label(k, lang)} ({format_number(v, lang)})" for k, v in skipped.items())
        for lang in LANGUAGES
    }
    return out + _TOO_FEW.format(n={lang: format_number(min_incidents, lang) for lang in LANGUAGES}, listed=listed)
