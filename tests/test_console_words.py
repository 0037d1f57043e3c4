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


def test_reject_details_read_in_swedish_in_swedish_runs():
    import pandas as pd

    from geolage.dates import parse_datetimes
    from geolage.text.checks import detail_words

    status, _, _, detail = parse_datetimes(pd.Series(["26/10/2022", "2022-02-30", "2022-02-03 25:10"]), None)
    assert list(status) == ["invalid", "invalid", "invalid"]
    assert [detail_words(d, "sv") for d in detail] == [
        "väntade ISO 8601 (ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD TT:MM); ange sources.date_format för andra former",
        "det finns ingen sådan dag", "det finns ingen sådan tid på dygnet"]
    assert [detail_words(d, "en") for d in detail] == [
        "expected ISO 8601 (YYYY-MM-DD or YYYY-MM-DD HH:MM); set sources.date_format for other forms",
        "no such day", "no such time of day"]
    _, _, _, detail = parse_datetimes(pd.Series(["igår"]), "%Y-%m-%d")
    assert detail_words(detail[0], "sv") == "stämmer inte med date_format '%Y-%m-%d'"
    assert detail_words(detail[0], "en").startswith("does not match date_format '%Y-%m-%d' (")
