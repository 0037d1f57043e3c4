"""Everything a run writes: GeoPackage, GeoTIFF, QGIS project, map, report, tables, run record.

Outputs read the results through the table schemas (:mod:`geolage.run.schemas`) and,
in public mode, only the public view of the run (:func:`geolage.outputs.common.public_view`,
made once); they never recompute statistics.
"""

from __future__ import annotations

from .write import write_outputs

__all__ = ["write_outputs"]
