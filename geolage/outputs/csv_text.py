"""CSV text of a table, column by column: the bytes pandas' ``to_csv`` writes, in a fraction of the time.

Why not ``DataFrame.to_csv``: it formats row by row in Python (about 7 µs per row with
pandas 3's Arrow-backed strings), which made the demo's 800,000 table rows take seconds.
Here each column becomes one Arrow string array (numbers formatted by numpy, strings
quoted only where needed, as Python's ``csv.QUOTE_MINIMAL`` does) and the rows are joined
by Arrow in C++. A column of any other type (dates, mixed objects) sends the whole table
to pandas, so the text is always what ``to_csv(index=False, sep=, decimal=)`` gives; a
test checks this byte for byte on tricky values and on every table of the demo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["csv_text"]


def _quoted(arr: pa.Array, sep: str) -> pa.Array:
    """Fields holding the separator, a quote or a newline in quotes (quotes doubled), as pandas' csv writer does."""
    need = pc.match_substring(arr, sep)
    for ch in ('"', "\n"):
        need = pc.or_(need, pc.match_substring(arr, ch))
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def _column(s: pd.Series, sep: str, decimal: str) -> pa.Array | None:
    """One column as Arrow strings (nulls for empty fields), or None when only pandas can format it."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize == 8:
        a = s.to_numpy()
        txt = a.astype(str)  # numpy's shortest repr: what pandas writes
        if decimal != ".":
            txt = np.char.replace(txt, ".", decimal)
        return pa.array(txt, mask=np.isnan(a), type=pa.string())
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pa.array(s.to_numpy()).cast(pa.string())
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pa.array(np.where(s.to_numpy(), "True", "False"), type=pa.string())
    if isinstance(dtype, pd.StringDtype):
        arr = pa.array(s.array, type=pa.large_string()).cast(pa.string())
        return _quoted(arr, sep)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = s.to_numpy()
        missing = pd.isna(values)
        if not all(type(v) is str for v in values[~missing]):
            return None
        return _quoted(pa.array(np.where(missing, None, values), type=pa.string()), sep)
    return None


def csv_text(df: pd.DataFrame, *, sep: str = ",", decimal: str = ".") -> str:
    """The text of ``df.to_csv(index=False, sep=sep, decimal=decimal)``, built column by column.

    Parameters
    ----------
    df : DataFrame
    sep : str
        Field separator (one character).
    decimal : str
        Decimal mark of floats.

    Returns
    -------
    str
        Header line and one line per row, each ending in a newline.
    """
    if df.shape[1] < 2 or df.columns.duplicated().any() or not all(isinstance(c, str) for c in df.columns):
        # one column: the csv module writes an empty field as "" there
        return df.to_csv(index=False, sep=sep, decimal=decimal)
    header = _quoted(pa.array(list(df.columns), type=pa.string()), sep).to_pylist()
    if not len(df):
        return sep.join(header) + "\n"
    columns = []
    for name in df.columns:
        col = _column(df[name], sep, decimal)
        if col is None:
            return df.to_csv(index=False, sep=sep, decimal=decimal)
        columns.append(col)
    rows = pc.binary_join_element_wise(*columns, sep, null_handling="replace", null_replacement="")
    return "\n".join([sep.join(header), *rows.to_pylist()]) + "\n"
