"""Mask Swedish personal identity numbers (personnummer, samordningsnummer) in free text.

Validation masks the configured free-text columns of a source (``sources.columns.text``)
with :func:`mask_personal_numbers` before anything is kept or written. Only free text
is masked: coordinates, ids, dates and numbers are never altered (a coordinate such as
``372361.2908246644`` holds digit runs that look like a number but identify no one).

What is recognised
------------------
A candidate is a date part and a four-digit tail, not inside a longer run of digits:

* 10 digits ``YYMMDD`` + ``NNNN`` or 12 digits ``YYYYMMDD`` + ``NNNN``;
* with no separator, a hyphen, an en/em dash, a figure dash, a minus sign, a
  non-breaking hyphen or ``+`` (100 years or older) between them, and any spaces
  around the separator or (one space at most) between the date groups
  (``811218 - 9876``, ``81 12 18-9876``);
* a month 01–12 and a day 01–31 or 61–91 (samordningsnummer: day + 60); a 12-digit
  number starts with 18, 19 or 20.

The Luhn check digit is *not* required. A mistyped check digit still identifies a
person to anyone who knows them, and a free-text field holds nothing else that
looks like a valid date followed by four digits (phone numbers such as
``070-123 45 67`` have a different grouping). Whether the check digit was valid is
counted separately (:func:`find_personal_numbers`), using ``python-stdnum``
(:mod:`stdnum.se.personnummer` for personnummer, :mod:`stdnum.luhn` for
samordningsnummer, which stdnum's module does not accept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn
from stdnum.se import personnummer as stdnum_pnr

__all__ = ["PNR_MASK", "PersonalNumber", "find_personal_numbers", "mask_personal_numbers", "DASHES"]

#: What a masked number is replaced by.
PNR_MASK = "[personnummer]"

#: Characters accepted as the separator between date and tail (besides ``+``).
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"

_SP = r"[ \u00a0\u202f]"
_PNR = re.compile(
    rf"(?<![\d.,])(?P<century>\d{{2}})?(?P<yy>\d{{2}}){_SP}?(?P<mm>\d{{2}}){_SP}?(?P<dd>\d{{2}})"
    rf"{_SP}*(?P<sep>[{DASHES}+])?{_SP}*(?P<tail>\d{{4}})(?![\d])(?![.,]\d)"
)


@dataclass(frozen=True)
class PersonalNumber:
    """One number found in a text.

    Attributes
    ----------
    start, end : int
        Position in the text.
    digits : str
        The 10 or 12 digits without separators.
    coordination : bool
        A samordningsnummer (day + 60).
    check_digit_ok : bool
        The Luhn check digit is right.
    """

    start: int
    end: int
    digits: str
    coordination: bool
    check_digit_ok: bool


def _candidate(m: re.Match[str]) -> PersonalNumber | None:
    century, yy, mm, dd, sep, tail = (m.group(g) for g in ("century", "yy", "mm", "dd", "sep", "tail"))
    month, day = int(mm), int(dd)
    if not 1 <= month <= 12 or not (1 <= day <= 31 or 61 <= day <= 91):
        return None
    if century is not None and century not in ("18", "19", "20"):
        return None
    coordination = day > 60
    ten = yy + mm + dd + tail
    if coordination:
        ok = luhn.is_valid(ten)
    else:
        plus = sep == "+"
        ok = stdnum_pnr.is_valid((century or "") + yy + mm + dd + ("+" if plus else "-") + tail)
    return PersonalNumber(m.start(), m.end(), (century or "") + ten, coordination, bool(ok))


def find_personal_numbers(text: str) -> list[PersonalNumber]:
    """All personal identity numbers in ``text`` (rules in the module docstring).

    Parameters
    ----------
    text : str

    Returns
    -------
    list of PersonalNumber
        In the order they occur; numbers with a wrong check digit included
        (``check_digit_ok`` False).

    Examples
    --------
    >>> [n.digits for n in find_personal_numbers("ring 811218–9876 eller 19811278 9873")]
    ['8112189876', '198112789873']
    """
    out = []
    for m in _PNR.finditer(text):
        found = _candidate(m)
        if found is not None:
            out.append(found)
    return out


def mask_personal_numbers(text: str | None) -> tuple[str | None, int]:
    """Replace Swedish personal identity numbers in ``text`` by ``[personnummer]``.

    Parameters
    ----------
    text : str or None
        Free text. Anything that is not a ``str`` is returned unchanged.

    Returns
    -------
    masked : str or None
    count : int
        How many numbers were masked (valid check digit or not).

    Examples
    --------
    >>> mask_personal_numbers("Anmälare 811218-9876 ringde")
    ('Anmälare [personnummer] ringde', 1)
    >>> mask_personal_numbers("samordningsnummer 811278 – 9873")
    ('samordningsnummer [personnummer]', 1)
    """
    if text is None or not isinstance(text, str):
        return text, 0
    found = find_personal_numbers(text)
    if not found:
        return text, 0
    parts, pos = [], 0
    for f in found:
        parts.append(text[pos:f.start])
        parts.append(PNR_MASK)
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts), len(found)
