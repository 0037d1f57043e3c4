"""Personal identity numbers: every written form is masked in free text, nothing else is touched."""

from __future__ import annotations

import pandas as pd
import pytest

from geolage.personal import PNR_MASK, find_personal_numbers, mask_personal_numbers
from geolage.validate import _mask_text_columns

# 811218-9876 is a valid personnummer (Luhn), 811278-9873 the samordningsnummer of the same
# date (day + 60, valid check digit); 811218-9875 has a mistyped check digit.
CORPUS = [
    ("Anmälare 811218-9876 ringde", True),
    ("Anmälare 811218–9876 ringde", True),  # en dash
    ("Anmälare 811218—9876 ringde", True),  # em dash
    ("Anmälare 811218−9876 ringde", True),  # minus sign
    ("Anmälare 811218 - 9876 ringde", True),  # spaces around the dash
    ("Anmälare 811218 9876 ringde", True),  # space only
    ("Anmälare 81 12 18-9876 ringde", True),  # spaced date groups
    ("Anmälare 8112189876 ringde", True),  # 10 digits
    ("Anmälare 198112189876 ringde", True),  # 12 digits
    ("Anmälare 19811218-9876 ringde", True),
    ("Anmälare 811218+9876 ringde", True),  # 100 years or older
    ("Anmälare 811278-9873 ringde", True),  # samordningsnummer
    ("Anmälare 19811278–9873 ringde", True),  # samordningsnummer, 12 digits, en dash
    ("Anmälare 811218-9875 ringde", False),  # mistyped check digit: still masked, flagged
    ("Anmälare 8112189875 ringde", False),
]


@pytest.mark.parametrize(("text", "check_ok"), CORPUS)
def test_every_form_is_masked(text, check_ok):
    masked, n = mask_personal_numbers(text)
    assert n == 1
    assert masked == f"Anmälare {PNR_MASK} ringde"
    found = find_personal_numbers(text)
    assert [f.check_digit_ok for f in found] == [check_ok]


def test_samordningsnummer_flagged_and_stdnum_agrees():
    from stdnum.se import personnummer

    assert personnummer.is_valid("811218-9876")
    assert not personnummer.is_valid("811218-9875")
    (f,) = find_personal_numbers("x 811278-9873 y")
    assert f.coordination and f.check_digit_ok


@pytest.mark.parametrize(
    "text",
    [
        "x = 372361.2908246644",  # a coordinate's decimals
        "6400100.8112189876",
        "tel 070-123 45 67",  # phone number grouping
        "ärende 2021-0001234",
        "811318-9876",  # month 13
        "811200-9876",  # day 00
        "811250-9876",  # day 50 (neither date nor samordningsnummer)
        "21811218-9876",  # century 21
        "12345678901234",  # a long digit run
        "datum 2021-03-01 kl 22:00",
    ],
)
def test_look_alikes_are_left_alone(text):
    assert mask_personal_numbers(text) == (text, 0)


def test_two_numbers_in_one_text():
    masked, n = mask_personal_numbers("811218-9876 och 811278 9873.")
    assert (masked, n) == (f"{PNR_MASK} och {PNR_MASK}.", 2)


def test_non_text_values_unchanged():
    assert mask_personal_numbers(None) == (None, 0)
    assert mask_personal_numbers(8112189876) == (8112189876, 0)  # type: ignore[arg-type]


def test_only_free_text_columns_are_masked():
    """A coordinate, id or date column that looks like a number is never altered."""
    raw = pd.DataFrame(
        {
            "x": ["372361.2908246644", "8112189876"],
            "id": ["811218-9876", "7"],
            "tid": ["2021-03-01", "2021-03-02"],
            "text": ["ring 811218–9876", "inget"],
        }
    )
    out, n = _mask_text_columns(raw, ("text",))
    assert n == 1
    assert out["text"].tolist() == [f"ring {PNR_MASK}", "inget"]
    pd.testing.assert_frame_equal(out[["x", "id", "tid"]], raw[["x", "id", "tid"]])
    assert raw["text"].iloc[0] == "ring 811218–9876"  # input not changed


def test_accepted_coordinates_unchanged_by_masking(tmp_path):
    """Issue 10: x = 372361.2908246644 was masked to ``372361.[personnummer]`` and rejected."""
    from conftest import CSV_HEADER, write_config

    from geolage.config import read_config
    from geolage.run.pipeline import prepare

    coords = [("370361.2908246644", "6400100.8112189876"), ("371100.5", "6400200.1981121898"),
              ("372500.8112189876", "6400500.25")]
    rows = [f"{i},A,{x},{y},2021-03-0{i} 22:00,ring 811218–9876" for i, (x, y) in enumerate(coords, start=1)]
    r = prepare(read_config(write_config(tmp_path, CSV_HEADER + "\n".join(rows) + "\n")))
    acc = r.incidents.sort_values("source_row")
    assert len(acc) == 3 and len(r.rejects) == 0
    assert acc["x"].tolist() == [float(x) for x, _ in coords]
    assert acc["y"].tolist() == [float(y) for _, y in coords]
    assert r.quality["personnummer_masked"] == 3
    assert not acc["text"].str.contains("9876").any()
