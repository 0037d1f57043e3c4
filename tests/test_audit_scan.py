"""The output scanner's vectorised look-ups equal the plain set look-ups they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geolage.outputs.audit import _key_array, _near, _near_many, _read_workbook


def test_near_many_equals_the_set_lookup():
    rng = np.random.default_rng(7)
    targets = {(int(x), int(y)) for x, y in rng.integers(1000, 1100, size=(300, 2))}
    allowed = set(list(targets)[:40]) | {(int(x), int(y)) for x, y in rng.integers(1000, 1100, size=(50, 2))}
    # points inside, on the edges of and just outside the targets' range, and far away
    x = np.concatenate([rng.uniform(995, 1105, 4000), [998.4, 998.6, 1100.4, 1100.6, 5.0, -3e8]])
    y = np.concatenate([rng.uniform(995, 1105, 4000), [1050.0, 1050.0, 1050.0, 1050.0, 1050.0, 1050.0]])
    fast = _near_many(x, y, _key_array(targets), _key_array(allowed))
    slow = np.array([_near((a, b), targets, allowed) for a, b in zip(x, y, strict=True)])
    assert slow.sum() > 100  # the comparison covers many hits as well as misses
    np.testing.assert_array_equal(fast, slow)


def test_workbook_reader_gives_empty_cells_as_none(tmp_path):
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"a": [1, None, 3], "b": ["x", None, "<5 (dolt)"]}).to_excel(path, index=False, sheet_name="S")
    rows = _read_workbook(path)["S"]
    assert rows[0] == ["a", "b"]
    assert rows[2] == [None, None]
    assert rows[3][1] == "<5 (dolt)" and float(rows[3][0]) == 3.0
