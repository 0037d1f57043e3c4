"""What QGIS opens: layer styles (:mod:`.styles`), the project (:mod:`.project`, with ``write_spatial_outputs``).

:mod:`.files` holds what the GeoPackage, GeoTIFF and project writers share (atomic
files, text that SQLite and GDAL keep, layer names).
"""
