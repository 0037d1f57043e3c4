"""geolage.outputs.qgis."""
