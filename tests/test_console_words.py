"""Console warnings name categories and methods in words, in the run's language (issue 11)."""

from __future__ import annotations

from geolage.text.console import FORECAST_NO_HISTORY, categories_in_words
from geolage.text.forecast import METHOD_NAMES
from geolage.text.labels import set_custom_categories


def test_categories_in_words_both_languages_with_counts_and_own_labels():
    set_custom_categories({"theft_of_bicycle": "Theft of Bicycle"})
    try:
        codes = ["alla", "inbrott_bostad", "theft_of_bicycle"]
        counts = {"inbrott_bostad": 1234, "theft_of_bicycle": 8}
        en = categories_in_words(codes, "en", counts)
        sv = categories_in_words(codes, "sv", counts)
    finally:
        set_custom_categories({})
    assert en == "All incidents, Residential burglary (1,234), Theft of Bicycle (8)"
    assert sv == "Alla brott, Inbrott (bostad) (1\u00a0234), Theft of Bicycle (8)"
    line = FORECAST_NO_HISTORY["en"].format(method=METHOD_NAMES["glm"]["en"], categories=en)
    assert line.startswith("forecast: the regression model has too little history and is left out for All incidents")
