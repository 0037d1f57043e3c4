"""geolage.run."""
