"""KDE rasters against an independent exact kernel sum at every cell size, and kernels without mass loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

import geolage.stats.density as density
from geolage.stats.density import kde
from geolage.stats.kernels import kernel_values

X0, Y0 = 370_000.0, 6_400_000.0


def exact_kernel(r: np.ndarray, h: float, kernel: str) -> np.ndarray:
    """The kernels per m², written out here (textbook forms; the Gaussian truncated at 4 sd and renormalised)."""
    u = r / h
    if kernel == "gaussian":
        return np.where(u <= 4, np.exp(-u * u / 2) / (2 * math.pi * h * h * (1 - math.exp(-8))), 0.0)
    forms = {
        "quartic": 3 / math.pi * (1 - u * u) ** 2,
        "epanechnikov": 2 / math.pi * (1 - u * u),
        "triangular": 3 / math.pi * (1 - u),
        "uniform": np.full_like(u, 1 / math.pi),
    }
    return np.where(u < 1, forms[kernel] / (h * h), 0.0)


def brute_force(xy: np.ndarray, res, kernel: str) -> np.ndarray:
    """Sum of the kernel over every point at every cell centre (per km²), from the full distance matrix."""
    ny, nx = res.array.shape
    c, x0, y1 = res.cell_size, res.transform.c, res.transform.f
    cx = x0 + (np.arange(nx) + 0.5) * c
    cy = y1 - (np.arange(ny) + 0.5) * c
    gx, gy = np.meshgrid(cx, cy)
    d = np.hypot(gx.ravel()[:, None] - xy[None, :, 0], gy.ravel()[:, None] - xy[None, :, 1])
    return exact_kernel(d, res.bandwidth, kernel).sum(axis=1).reshape(ny, nx) * 1e6


def points(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal([X0 + 1000, Y0 + 1000], 120, (150, 2)),
                      rng.uniform([X0, Y0], [X0 + 2000, Y0 + 2000], (100, 2))])


@pytest.mark.parametrize("kernel", ["quartic", "gaussian", "epanechnikov", "triangular", "uniform"])
@pytest.mark.parametrize("cells_per_bandwidth", [0.7, 1, 2, 3, 5, 8, 10, 12, 25])
def test_raster_is_within_half_a_percent_of_the_peak(kernel, cells_per_bandwidth):
    xy = points()
    bw = 150.0 if kernel != "gaussian" else 60.0
    c = bw / cells_per_bandwidth
    half = min(1000.0, 40 * c)  # at most 80 × 80 cells around the cluster
    box = (X0 + 1000 - half, Y0 + 1000 - half, X0 + 1000 + half, Y0 + 1000 + half)
    with pytest.warns(Warning) if cells_per_bandwidth < 2 else _nothing():
        res = kde(xy, bandwidth=bw, cell_size=c, kernel=kernel, extent=box, quiet=True)
    ref = brute_force(xy, res, kernel)
    assert ref.max() > 0
    err = np.abs(res.array - ref).max() / ref.max()
    assert err <= 0.005, (res.parameters["raster_method"], err)


def test_finer_fft_grid_path_is_accurate(monkeypatch):
    monkeypatch.setattr(density, "_EXACT_BUDGET", 0)  # as for a million points: a finer grid instead
    xy = points(1)
    for cells in (2, 5, 8):
        res = kde(xy, bandwidth=150, cell_size=150 / cells, extent=(X0, Y0, X0 + 2000, Y0 + 2000), quiet=True)
        assert res.parameters["raster_method"].startswith("binning + FFT on cells")
        ref = brute_force(xy, res, "quartic")
        assert np.abs(res.array - ref).max() / ref.max() <= 0.005


def test_old_binning_at_two_cells_per_bandwidth_was_off():
    """The test can fail: binning + FFT at the coarse cell size itself is several per cent off the peak."""
    xy = points(2)
    res = kde(xy, bandwidth=150, cell_size=75, extent=(X0, Y0, X0 + 2000, Y0 + 2000), quiet=True)
    ny, nx = res.array.shape
    coarse, _ = density._binned_density(xy, np.ones(len(xy)), 150.0, "quartic", 75.0, X0, Y0, nx, ny)
    ref = brute_force(xy, res, "quartic")
    assert np.abs(coarse - ref).max() / ref.max() > 0.02
    assert np.abs(res.array - ref).max() / ref.max() <= 0.005


@pytest.mark.parametrize("kernel", ["quartic", "gaussian", "epanechnikov", "triangular", "uniform"])
def test_every_kernel_integrates_to_one(kernel):
    h = 100.0
    reach = 4 * h if kernel == "gaussian" else h
    mass, _ = integrate.quad(lambda r: 2 * math.pi * r * float(kernel_values(np.array([r]), h, kernel)[0]), 0, reach,
                             limit=200)
    assert mass == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("cells_per_bandwidth", [4, 6, 10])
def test_coarse_quartic_and_gaussian_keep_the_mass(cells_per_bandwidth):
    xy = points(3)
    for kernel, bw in (("quartic", 150.0), ("gaussian", 60.0)):
        res = kde(xy, bandwidth=bw, cell_size=bw / cells_per_bandwidth, kernel=kernel, quiet=True)
        assert res.integral() == pytest.approx(len(xy), rel=1e-9), res.parameters["raster_method"]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
