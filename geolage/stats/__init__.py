"""geolage.stats."""
