"""Mask Swedish personal identity numbers (personnummer, samordningsnummer) in free text.

Validation masks every text column of a source with :func:`mask_personal_numbers` before
anything is kept or written, so no number reaches an output, the rejects table included.
"""

from __future__ import annotations

import re

__all__ = ["PNR_MASK", "mask_personal_numbers"]

#: What a masked number is replaced by.
PNR_MASK = "[personnummer]"
_PNR = re.compile(r"(?<![\d])(\d{2})?(\d{2})(\d{2})(\d{2})\s?([-+])?\s?(\d{4})(?![\d])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_personal_number(m: re.Match[str]) -> bool:
    century, yy, mm, dd, _sep, tail = m.groups()
    month, day = int(mm), int(dd)
    if not 1 <= month <= 12:
        return False
    if not (1 <= day <= 31 or 61 <= day <= 91):  # 61–91: samordningsnummer
        return False
    if century is not None and century not in ("18", "19", "20"):
        return False
    return _luhn_ok(yy + mm + dd + tail)


def mask_personal_numbers(text: str | None) -> tuple[str | None, int]:
    """Replace Swedish personal identity numbers in ``text`` by ``[personnummer]``.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    masked : str or None
    count : int
        How many numbers were masked.

    Notes
    -----
    Recognises YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDDNNNN and YYYYMMDD-NNNN (also with a
    space), including samordningsnummer (day + 60), when the Luhn check digit is valid.
    Numbers that fail the check digit are left alone, so ordinary ten-digit numbers
    (e.g. report ids) are rarely masked by mistake.

    Examples
    --------
    >>> mask_personal_numbers("Anmälare 811218-9876 ringde")
    ('Anmälare [personnummer] ringde', 1)
    """
    if text is None or not isinstance(text, str):
        return text, 0
    count = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal count
        if _is_personal_number(m):
            count += 1
            return PNR_MASK
        return m.group(0)

    return _PNR.sub(repl, text), count
