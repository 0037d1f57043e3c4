"""geolage: a lägesbild (local crime situation picture) from districts and geocoded incidents."""

from __future__ import annotations

__version__ = "0.1.0"
