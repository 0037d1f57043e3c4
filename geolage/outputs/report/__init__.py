"""geolage.outputs.report."""
