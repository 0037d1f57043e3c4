"""geolage.outputs.map."""
