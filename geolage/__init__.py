"""geolage: a lägesbild (local crime situation picture) from districts and geocoded incidents.

The statistics are available at the top level, named after themselves, and each takes
plain tables, GeoDataFrames or arrays, so they serve any municipality's data::

    import geolage
    geolage.gistar(grid, "count")            # Getis–Ord Gi* with FDR control
    geolage.kde(incidents, bandwidth=300)    # kernel density, incidents per km²
    geolage.knox(burglaries)                 # near-repeat test
    geolage.hotspot_gistar(points)           # one call: points -> grid cells with Gi* (like sfhotspot)

The workflow (config → validate → grid → analyses → outputs) is in
:mod:`geolage.run.pipeline` and the ``geolage`` command. Submodules hold the building
blocks; note that ``geolage.stats.rates`` is the *function* :func:`rates`; import the module's
other names with ``from geolage.stats.rates import ...``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import hotspot_classify, hotspot_count, hotspot_gistar, hotspot_kde
from .categories import CATEGORIES, category_label
from .config import Config, read_config
from .deprecated import trend
from .errors import ConfigError, CRSMismatchError, GeolageError, InputFileError, OutputExistsError
from .grid import assign_cells, choose_cell_size, make_grid
from .neighbours import SpatialWeights, district_weights, grid_weights, make_weights, read_weights
from .stats.autocorrelation import eb_standardise, global_moran, local_moran
from .stats.compare import compare_areas, coverage, funnel_limits, location_quotients, rate_ratio
from .stats.concentration import generalised_gini, gini, lorenz_curve, top_overlap, top_share
from .stats.density import kde, kde_at, kde_bandwidth, kde_ratio
from .stats.emerging import emerging_hotspots, space_time_cube
from .stats.forecast import backtest_forecast, forecast_district_counts, forecast_scores, hotspot_metrics
from .stats.hotspots import fdr_bh, gistar
from .stats.nearrepeat import knox
from .stats.rates import district_rates, eb_rates, eb_standardised_rates, poisson_ci, rates
from .stats.timepatterns import aoristic_weights, month_of_year, weekday_hour
from .stats.trends import mann_kendall, poisson_trend
from .validate import mask_personal_numbers

__all__ = [
    "__version__",
    # data and config
    "CATEGORIES",
    "category_label",
    "Config",
    "read_config",
    "make_grid",
    "choose_cell_size",
    "assign_cells",
    "mask_personal_numbers",
    # rates and comparison
    "rates",
    "poisson_ci",
    "eb_rates",
    "eb_standardised_rates",
    "district_rates",
    "rate_ratio",
    "location_quotients",
    "funnel_limits",
    "compare_areas",
    "coverage",
    # development over time and time patterns
    "trend",
    "mann_kendall",
    "poisson_trend",
    "aoristic_weights",
    "weekday_hour",
    "month_of_year",
    # concentration
    "gini",
    "generalised_gini",
    "lorenz_curve",
    "top_share",
    "top_overlap",
    # hot spots and spatial patterns
    "kde",
    "kde_at",
    "kde_bandwidth",
    "kde_ratio",
    "gistar",
    "fdr_bh",
    "global_moran",
    "local_moran",
    "eb_standardise",
    "emerging_hotspots",
    "space_time_cube",
    "knox",
    "SpatialWeights",
    "make_weights",
    "grid_weights",
    "district_weights",
    "read_weights",
    # forecasts
    "forecast_scores",
    "backtest_forecast",
    "hotspot_metrics",
    "forecast_district_counts",
    # one call from points to mapped cells (like sfhotspot)
    "hotspot_count",
    "hotspot_kde",
    "hotspot_gistar",
    "hotspot_classify",
    # errors
    "GeolageError",
    "ConfigError",
    "InputFileError",
    "CRSMismatchError",
    "OutputExistsError",
]
