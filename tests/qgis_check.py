"""Open geolage's spatial outputs with PyQGIS and report what QGIS sees, as JSON.

Run with Debian's own Python (``/usr/bin/python3``, which has ``python3-qgis``), headless::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py SPEC.json

SPEC.json: ``{"gpkg": path, "layers": [names], "rasters": [paths], "project": path,
"png": path}``. Prints one JSON document on the last line of stdout:
``{"qgis_version", "layers": {name: {...}}, "rasters": {name: {...}}, "project": {...}}``.
This script only reports; tests/test_qgis.py asserts. It imports nothing from geolage.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    Qgis,
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def renderer_info(layer: QgsVectorLayer) -> dict:
    r = layer.renderer()
    if r is None:
        return {"renderer": None, "n_classes": 0}
    rtype = r.type()
    info = {"renderer": rtype, "n_classes": 1, "attr": None, "labels": [], "colors": []}
    if rtype == "categorizedSymbol":
        cats = r.categories()
        info.update(
            n_classes=len(cats),
            attr=r.classAttribute(),
            labels=[c.label() for c in cats],
            values=[c.value() for c in cats],
            colors=[c.symbol().color().name() for c in cats],
        )
    elif rtype == "graduatedSymbol":
        ranges = r.ranges()
        info.update(
            n_classes=len(ranges),
            attr=r.classAttribute(),
            labels=[x.label() for x in ranges],
            colors=[x.symbol().color().name() for x in ranges],
        )
    return info


def check_vector(gpkg: str, name: str) -> dict:
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    out = {"valid": layer.isValid()}
    if not layer.isValid():
        return out
    n_styles, _ids, names, _desc, err = layer.listStylesInDatabase()
    out.update(
        is_spatial=layer.isSpatial(),
        crs=layer.crs().authid() if layer.isSpatial() else None,
        features=layer.featureCount(),
        styles_in_db=n_styles,
        style_names=list(names),
        aliases={f.name(): layer.attributeAlias(i) for i, f in enumerate(layer.fields())},
        labels_enabled=bool(layer.labelsEnabled()),
        **renderer_info(layer) if layer.isSpatial() else {"renderer": None, "n_classes": 0},
    )
    return out


def overview_count(path: str) -> int | None:
    """Overviews of band 1, read with the GDAL that QGIS uses (None without its Python bindings)."""
    try:
        from osgeo import gdal
    except ImportError:
        return None
    ds = gdal.Open(path)
    return ds.GetRasterBand(1).GetOverviewCount() if ds is not None else None


def check_raster(path: str) -> dict:
    layer = QgsRasterLayer(path, os.path.basename(path), "gdal")
    out = {"valid": layer.isValid()}
    if not layer.isValid():
        return out
    r = layer.renderer()
    items = []
    if r is not None and r.type() == "singlebandpseudocolor":
        items = r.shader().rasterShaderFunction().colorRampItemList()
    dp = layer.dataProvider()
    out.update(
        crs=layer.crs().authid(),
        renderer=r.type() if r is not None else None,
        n_items=len(items),
        nodata=dp.sourceNoDataValue(1) if dp.sourceHasNoDataValue(1) else None,
        overviews=overview_count(path),
        has_pyramids=dp.hasPyramids(),  # QGIS's own heuristic: false for rasters under ~256 px
        width=layer.width(),
        height=layer.height(),
    )
    return out


def render_project(project: QgsProject, png: str, layers: list | None = None, probes: list | None = None) -> dict:
    """Render the visible layers (or ``layers``) of ``project`` to ``png``; describe the image.

    ``probes``: points ``[x, y]`` in the project CRS; the colours (``#rrggbb``) of the 5×5
    pixels around each are reported as ``probe_colors``.
    """
    root = project.layerTreeRoot()
    if layers is None:
        layers = [lyr for lyr in root.layerOrder() if root.findLayer(lyr.id()).isVisible() and lyr.isSpatial()]
    extent = QgsRectangle()
    extent.setMinimal()
    for lyr in layers:
        e = lyr.extent()
        if lyr.crs() != project.crs():
            continue
        extent.combineExtentWith(e)
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(project.crs())
    settings.setExtent(extent.buffered(extent.width() * 0.05))
    settings.setOutputSize(QSize(800, 800))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    saved = img.save(png, "PNG")
    colors = set()
    non_white = 0
    step = 8
    for x in range(0, img.width(), step):
        for y in range(0, img.height(), step):
            c = img.pixel(x, y) & 0xFFFFFF
            colors.add(c)
            non_white += c != 0xFFFFFF
    total = len(range(0, img.width(), step)) * len(range(0, img.height(), step))
    probe_colors = []
    for x, y in probes or []:
        px = settings.mapToPixel().transform(x, y)
        around = set()
        for dx in range(-2, 3):
            for dy in range(-2, 3):
                i, j = int(round(px.x())) + dx, int(round(px.y())) + dy
                if 0 <= i < img.width() and 0 <= j < img.height():
                    around.add(f"#{img.pixel(i, j) & 0xFFFFFF:06x}")
        probe_colors.append(sorted(around))
    return {
        "probe_colors": probe_colors,
        "png_saved": bool(saved),
        "rendered_layers": [lyr.name() for lyr in layers],
        "n_colors": len(colors),
        "non_white_share": non_white / total,
        "errors": [f"{e.layerID}: {e.message}" for e in job.errors()],
    }


def check_project(path: str, png: str, probes: list | None = None) -> dict:
    project = QgsProject.instance()
    ok = project.read(path)
    out = {"read": bool(ok), "crs": project.crs().authid(), "layers": {}}
    for lid, layer in project.mapLayers().items():
        entry = {
            "name": layer.name(),
            "valid": layer.isValid(),
            "type": "raster" if isinstance(layer, QgsRasterLayer) else "vector",
        }
        if isinstance(layer, QgsVectorLayer):
            entry.update(subset=layer.subsetString(), is_spatial=layer.isSpatial())
            if layer.isSpatial():
                entry.update(crs=layer.crs().authid(), labels_enabled=bool(layer.labelsEnabled()),
                             aliases={f.name(): layer.attributeAlias(i) for i, f in enumerate(layer.fields())},
                             **renderer_info(layer))
            entry["features"] = layer.featureCount()
        else:
            entry.update(crs=layer.crs().authid(), renderer=layer.renderer().type() if layer.renderer() else None)
        out["layers"][lid] = entry
    root = project.layerTreeRoot()
    out["groups"] = [g.name() for g in root.children() if g.nodeType() == 0]
    out["visible"] = [lyr.name() for lyr in root.layerOrder() if root.findLayer(lyr.id()).isVisible()]
    out["themes"] = {name: sorted(lyr.name() for lyr in project.mapThemeCollection().mapThemeVisibleLayers(name))
                     for name in project.mapThemeCollection().mapThemes()}
    canvas = project.viewSettings().defaultViewExtent()
    out["start_extent"] = [canvas.xMinimum(), canvas.yMinimum(), canvas.xMaximum(), canvas.yMaximum()]
    out["render"] = render_project(project, png, probes=probes)
    rasters = [lyr for lyr in root.layerOrder() if isinstance(lyr, QgsRasterLayer)]
    if rasters:  # hidden when the project opens; rendered on their own as a second artefact
        out["render_rasters"] = render_project(project, png.replace(".png", "_rasters.png"), rasters[:1])
    return out


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        result = {
            "qgis_version": Qgis.QGIS_VERSION,
            "layers": {name: check_vector(spec["gpkg"], name) for name in spec["layers"]},
            "rasters": {os.path.basename(p): check_raster(p) for p in spec["rasters"]},
            "project": check_project(spec["project"], spec["png"], spec.get("probes")),
        }
    finally:
        QgsProject.instance().clear()
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    # exitQgis() can crash on some builds at teardown; the JSON is already out.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
