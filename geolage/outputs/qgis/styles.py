"""QGIS layer styles (QML) for the GeoPackage layers, GeoTIFFs and the QGIS project.

The QML written here is the XML that QGIS 3.22 (Debian's long-term release) writes
itself: ``<qgis version=... styleCategories="AllStyleCategories">`` with a
``renderer-v2`` element whose symbol layers carry their properties twice, as an
``<Option type="Map">`` (read by QGIS ≥ 3.26) and as legacy ``<prop k= v=>`` (read
by every QGIS 3). Newer QGIS versions read it unchanged.

Class codes, labels and colours come from :mod:`geolage.classes`, so a class looks
the same in QGIS, in the Leaflet map and in the report.

Style keys (``Table.style``) and the renderer each one gets:

========== ==================================================================
style      renderer
========== ==================================================================
gistar     categorized on ``gistar_class`` (:data:`~geolage.classes.GISTAR_CLASSES`)
lisa       categorized on ``lisa_cluster`` (:data:`~geolage.classes.LISA_CLUSTERS`)
emerging   categorized on ``emerging_category``
           (:data:`~geolage.classes.EMERGING_CATEGORIES`)
rate       graduated; on a rate column the map's classes (:mod:`geolage.outputs.qgis.rates`):
           five classes diverging around the municipality's rate, one class when the
           rates differ less than their uncertainty, Fisher–Jenks without a reference
count      graduated, 5 Fisher–Jenks classes, yellow–red ramp
forecast   graduated, 5 Fisher–Jenks classes, purple ramp
points     single marker
None       single symbol (outline only for polygons)
========== ==================================================================
"""

from __future__ import annotations

import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ...classes import EMERGING_CATEGORIES, GISTAR_CLASSES, LISA_CLUSTERS, ClassInfo
from ...text.format import check_language, format_number
from ...text.labels import field_alias

__all__ = [
    "QGIS_VERSION",
    "STYLE_CLASSES",
    "GRADUATED_STYLES",
    "RAMPS",
    "field_label",
    "N_CLASSES",
    "GraduatedClass",
    "xml_text",
    "graduated_classes",
    "vector_style",
    "raster_style",
    "qml_string",
]

log = logging.getLogger(__name__)

#: Version written into every QML and project file: the oldest QGIS the files are tested with.
QGIS_VERSION = "3.22.16-Białowieża"

#: Categorized styles: style key -> (default attribute, classes).
STYLE_CLASSES: dict[str, tuple[str, dict[str, ClassInfo]]] = {
    "gistar": ("gistar_class", GISTAR_CLASSES),
    "lisa": ("lisa_cluster", LISA_CLUSTERS),
    "emerging": ("emerging_category", EMERGING_CATEGORIES),
}

#: Graduated styles: style key -> colour ramp name in :data:`RAMPS`.
GRADUATED_STYLES: dict[str, str] = {"rate": "YlOrRd", "count": "YlOrRd", "forecast": "Purples"}

#: Five-class ColorBrewer ramps (light to dark).
RAMPS: dict[str, tuple[str, ...]] = {
    "YlOrRd": ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    "Purples": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
}

#: Number of classes of graduated styles.
N_CLASSES = 5

#: Largest number of values classified exactly with Fisher–Jenks (O(n²·k)); larger columns
#: are classified on this many evenly spaced quantiles (deterministic, no random sample).
_JENKS_MAX_VALUES = 1000


_SYMBOL_TYPES = ("fill", "line", "marker")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------- text
def xml_text(value: object) -> str:
    """Return ``value`` as text that is safe in XML 1.0 (and in UTF-8).

    Characters XML cannot hold (control characters, lone surrogates) are replaced by
    U+FFFD; ``<``, ``&`` and quotes are escaped later by the XML writer.
    """
    text = str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    return _INVALID_XML.sub("\ufffd", text)


def _rgba(hex_color: str, alpha: int = 255) -> str:
    """``"#d62f27"`` -> ``"214,47,39,255"`` (QGIS colour text)."""
    h = hex_color.lstrip("#")
    if len(h) != 6 or not re.fullmatch(r"[0-9a-fA-F]{6}", h):
        raise ValueError(f"colour needs to be '#rrggbb'; got {hex_color!r}")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrib.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


# --------------------------------------------------------------------------- symbols
def _symbol_layer_props(symbol_type: str, color: str, outline: str, outline_width: float, alpha: int) -> dict:
    if symbol_type == "fill":
        return {
            "border_width_map_unit_scale": "3x:0,0,0,0,0,0",
            "color": _rgba(color, alpha),
            "joinstyle": "bevel",
            "offset": "0,0",
            "offset_map_unit_scale": "3x:0,0,0,0,0,0",
            "offset_unit": "MM",
            "outline_color": _rgba(outline),
            "outline_style": "solid" if outline_width > 0 else "no",
            "outline_width": f"{outline_width:g}",
            "outline_width_unit": "MM",
            "style": "solid" if alpha > 0 else "no",
        }
    if symbol_type == "line":
        return {
            "capstyle": "square",
            "joinstyle": "bevel",
            "line_color": _rgba(color, alpha),
            "line_style": "solid",
            "line_width": f"{max(outline_width, 0.26):g}",
            "line_width_unit": "MM",
            "offset": "0",
            "offset_unit": "MM",
        }
    return {
        "angle": "0",
        "color": _rgba(color, alpha),
        "horizontal_anchor_point": "1",
        "joinstyle": "bevel",
        "name": "circle",
        "offset": "0,0",
        "offset_unit": "MM",
        "outline_color": _rgba(outline),
        "outline_style": "solid",
        "outline_width": "0.2",
        "outline_width_unit": "MM",
        "scale_method": "diameter",
        "size": "2",
        "size_unit": "MM",
        "vertical_anchor_point": "1",
    }


_SYMBOL_LAYER_CLASS = {"fill": "SimpleFill", "line": "SimpleLine", "marker": "SimpleMarker"}


def _symbol(
    parent: ET.Element,
    name: str,
    symbol_type: str,
    color: str,
    *,
    outline: str = "#232323",
    outline_width: float = 0.26,
    alpha: int = 255,
) -> ET.Element:
    """Append a QGIS ``<symbol>`` with one simple symbol layer."""
    sym = _sub(parent, "symbol", type=symbol_type, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(
        sym, "layer", {"class": _SYMBOL_LAYER_CLASS[symbol_type], "enabled": "1", "locked": "0", "pass": "0"}
    )
    props = _symbol_layer_props(symbol_type, color, outline, outline_width, alpha)
    opt = _sub(layer, "Option", type="Map")
    for key, value in props.items():
        _sub(opt, "Option", name=key, type="QString", value=value)
    for key, value in props.items():
        _sub(layer, "prop", k=key, v=value)
    return sym


# --------------------------------------------------------------------------- classes
@dataclass(frozen=True)
class GraduatedClass:
    """One class of a graduated style: ``lower <= value <= upper`` (QGIS semantics)."""

    lower: float
    upper: float
    color: str
    label: str


def _decimals(lo: float, hi: float, integer: bool) -> int:
    if integer:
        return 0
    span = max(abs(lo), abs(hi))
    if span >= 100:
        return 0
    if span >= 10:
        return 1
    if span >= 1:
        return 2
    return 3


def fisher_jenks_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` Fisher–Jenks classes: exactly ``mapclassify.FisherJenks(values, k).bins``.

    Parameters
    ----------
    values : array of float
        The values (any order).
    k : int
        Number of classes, at most the number of distinct values.

    Returns
    -------
    ndarray (k,)
        The upper bound of each class (the last is the maximum).

    Notes
    -----
    mapclassify's algorithm (Jenks' dynamic programme in float32, the last of equal
    optima kept) with the loop over the class start vectorised: the same numbers, without
    numba some 20 times faster than mapclassify's pure-Python loop.
    """
    x = np.sort(np.asarray(values, dtype=float).ravel())
    if len(np.unique(x)) < k:
        raise ValueError(f"Fewer unique values ({len(np.unique(x))}) than specified classes ({k}).")
    n = len(x)
    mat1 = np.zeros((n + 1, k + 1), dtype=np.int32)
    mat2 = np.zeros((n + 1, k + 1), dtype=np.float32)
    mat1[1, 1:] = 1
    mat2[2:, 1:] = np.inf
    x32 = x.astype(np.float32)
    for end in range(2, n + 1):
        seg = x32[end - 1 :: -1]  # the values from the end down to the first: class [i3, end], i3 = end - m + 1
        s1 = np.cumsum(seg, dtype=np.float32)
        s2 = np.cumsum(seg * seg, dtype=np.float32)
        v = s2 - (s1 * s1) / np.arange(1, end + 1, dtype=np.float32)
        for j in range(2, k + 1):
            cand = v[: end - 1] + mat2[end - 1 : 0 : -1, j - 1]  # class start i3 >= 2
            m = end - 2 - int(np.argmin(cand[::-1]))  # the last of equal minima (mapclassify's ">=")
            mat1[end, j] = end - m
            mat2[end, j] = cand[m]
        mat1[end, 1] = 1
        mat2[end, 1] = v[-1]
    bins = np.zeros(k + 1)
    bins[k] = x[-1]
    bins[0] = x[0]
    last = n
    for count in range(k, 1, -1):
        pivot = int(mat1[last, count])
        bins[count - 1] = x[pivot - 2]
        last = pivot - 1
    return bins[1:]


def graduated_classes(
    values: Iterable[float],
    *,
    ramp: Sequence[str] = RAMPS["YlOrRd"],
    k: int = N_CLASSES,
    language: str = "sv",
) -> list[GraduatedClass]:
    """Class breaks for a graduated style: Fisher–Jenks natural breaks.

    Parameters
    ----------
    values : iterable of float
        The values to classify; NaN and infinite values are ignored.
    ramp : sequence of str
        Colours, light to dark; ``k`` colours are picked evenly from it.
    k : int
        Number of classes (fewer when there are fewer distinct values).
    language : {"sv", "en"}
        Number format of the labels (:func:`geolage.text.format.format_number`:
        ``"1 234,5 – 2 000,0"`` in Swedish, with a no-break space between thousands).

    Returns
    -------
    list of GraduatedClass
        Empty when there is no finite value.

    Notes
    -----
    Fisher–Jenks (Jenks 1977, via :class:`mapclassify.FisherJenks`) minimises the
    variance within classes, QGIS's "Natural Breaks (Jenks)". Columns with more than
    1,000 values are classified on 1,000 evenly spaced quantiles of the values, so the
    result is deterministic and fast. The first class starts at the minimum, the last
    ends at the maximum.
    """
    y = np.asarray(list(values), dtype=float)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return []
    unique = np.unique(y)
    integer = bool(np.all(np.equal(np.mod(unique, 1), 0)))
    k = int(min(k, unique.size))
    lo_all, hi_all = float(unique[0]), float(unique[-1])
    if k <= 1:
        uppers = [hi_all]
    else:
        sample = y if y.size <= _JENKS_MAX_VALUES else np.quantile(y, np.linspace(0, 1, _JENKS_MAX_VALUES))
        uppers = [float(b) for b in fisher_jenks_breaks(sample, k)]
        uppers[-1] = hi_all
        uppers = sorted(set(uppers))
    colors = [ramp[round(i * (len(ramp) - 1) / max(len(uppers) - 1, 1))] for i in range(len(uppers))]
    if len(uppers) == 1:
        colors = [ramp[len(ramp) // 2]]
    out = []
    lower = lo_all
    for upper, color in zip(uppers, colors, strict=True):
        dec = _decimals(lower, upper, integer)
        label = f"{format_number(lower, language, dec)} – {format_number(upper, language, dec)}"
        out.append(GraduatedClass(lower, upper, color, label))
        lower = upper
    return out


# --------------------------------------------------------------------------- renderers
def _renderer(parent: ET.Element, rtype: str, **attrib: str) -> ET.Element:
    return _sub(
        parent,
        "renderer-v2",
        type=rtype,
        forceraster="0",
        symbollevels="0",
        enableorderby="0",
        referencescale="-1",
        **attrib,
    )


def _categorized(
    parent: ET.Element,
    attr: str,
    classes: Mapping[str, ClassInfo],
    symbol_type: str,
    language: str,
    outline: tuple[str, float],
) -> None:
    rend = _renderer(parent, "categorizedSymbol", attr=attr)
    cats = _sub(rend, "categories")
    syms = _sub(rend, "symbols")
    for i, info in enumerate(classes.values()):
        label = info.en if language == "en" else info.sv
        _sub(cats, "category", symbol=str(i), value=info.code, label=label, render="true")
        _symbol(syms, str(i), symbol_type, info.color, outline=outline[0], outline_width=outline[1])
    src = _sub(rend, "source-symbol")
    _symbol(src, "0", symbol_type, "#bdbdbd", outline=outline[0], outline_width=outline[1])
    _sub(rend, "rotation")
    _sub(rend, "sizescale")


def _graduated(
    parent: ET.Element,
    attr: str,
    classes: Sequence[GraduatedClass],
    symbol_type: str,
    outline: tuple[str, float],
    method: str | None = "Jenks",
) -> None:
    rend = _renderer(parent, "graduatedSymbol", attr=attr, graduatedMethod="GraduatedColor")
    ranges = _sub(rend, "ranges")
    syms = _sub(rend, "symbols")
    for i, cls in enumerate(classes):
        _sub(
            ranges,
            "range",
            symbol=str(i),
            lower=f"{cls.lower:.15f}",
            upper=f"{cls.upper:.15f}",
            label=cls.label,
            render="true",
        )
        _symbol(syms, str(i), symbol_type, cls.color, outline=outline[0], outline_width=outline[1])
    src = _sub(rend, "source-symbol")
    _symbol(src, "0", symbol_type, "#bdbdbd", outline=outline[0], outline_width=outline[1])
    if method is not None:  # classes of a method QGIS knows (else QGIS keeps the classes as given)
        _sub(rend, "classificationMethod", id=method)
    _sub(rend, "rotation")
    _sub(rend, "sizescale")


def _single(parent: ET.Element, symbol_type: str, color: str, *, alpha: int, outline: tuple[str, float]) -> None:
    rend = _renderer(parent, "singleSymbol")
    syms = _sub(rend, "symbols")
    _symbol(syms, "0", symbol_type, color, outline=outline[0], outline_width=outline[1], alpha=alpha)
    _sub(rend, "rotation")
    _sub(rend, "sizescale")


def _qgis_root(geometry_type: int | None) -> ET.Element:
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "AllStyleCategories"})
    if geometry_type is not None:
        for key, val in {"hasScaleBasedVisibilityFlag": "0", "minScale": "100000000", "maxScale": "0"}.items():
            root.set(key, val)
    return root


def _geometry_code(symbol_type: str | None) -> int:
    # QgsWkbTypes::GeometryType: 0 point, 1 line, 2 polygon, 4 null (no geometry)
    return {"marker": 0, "line": 1, "fill": 2}.get(symbol_type or "", 4)


def symbol_type_for(geometry_type: str | None) -> str | None:
    """QGIS symbol type (``fill``/``line``/``marker``) for an OGR geometry type name."""
    if not geometry_type:
        return None
    g = geometry_type.lower()
    if "polygon" in g:
        return "fill"
    if "line" in g:
        return "line"
    if "point" in g:
        return "marker"
    return "fill"


def vector_style(
    *,
    fields: Sequence[str],
    symbol_type: str | None,
    style: str | None = None,
    style_column: str | None = None,
    values: Iterable[float] | None = None,
    language: str = "sv",
    outline_only: bool = False,
    color: str = "#3182bd",
    outline: tuple[str, float] | None = None,
    label_field: str | None = None,
    table: str | None = None,
    classes: Sequence[GraduatedClass] | None = None,
) -> tuple[ET.Element, dict]:
    """Build the QML of a vector layer.

    Parameters
    ----------
    fields : sequence of str
        The layer's fields; each gets an alias in ``language`` (:func:`geolage.text.labels.field_alias`:
        the column's label, a known input column's, or the name as words).
    symbol_type : {"fill", "line", "marker"} or None
        None for a table without geometry (the style then only holds aliases).
    style : str, optional
        Style key (``Table.style``); see the module docstring.
    style_column : str, optional
        Column classified; defaults to the style's usual column for categorized styles.
    values : iterable of float, optional
        Values of ``style_column`` to compute graduated breaks from.
    language : {"sv", "en"}
        Language of legend labels and field aliases.
    outline_only : bool
        For ``style=None`` polygons: no fill, only the outline (boundaries).
    color : str
        Colour of single-symbol styles.
    outline : (str, float), optional
        Outline colour and width (mm) of fill symbols.
    label_field : str, optional
        Field whose text labels each feature (white halo, placed so labels do not collide).
    table : str, optional
        The table's name: a column that means something else in it gets that table's alias.
    classes : sequence of GraduatedClass, optional
        Graduated classes chosen by the caller (a rate layer's are the map's:
        :func:`geolage.outputs.qgis.rates.rate_classes`); default: Fisher–Jenks classes of ``values``.

    Returns
    -------
    root : xml.etree.ElementTree.Element
        The ``<qgis>`` element.
    info : dict
        ``renderer`` (QGIS renderer type or None), ``attr``, ``n_classes``.
    """
    if symbol_type is not None and symbol_type not in _SYMBOL_TYPES:
        raise ValueError(f"symbol_type needs to be one of {_SYMBOL_TYPES} or None; got {symbol_type!r}")
    check_language(language)
    root = _qgis_root(_geometry_code(symbol_type) if symbol_type else None)
    info: dict = {"renderer": None, "attr": None, "n_classes": 0}
    if outline is None:
        outline = ("#232323", 0.26) if symbol_type == "fill" else ("#232323", 0.2)
    if symbol_type is not None:
        if style in STYLE_CLASSES:
            default_attr, classes = STYLE_CLASSES[style]
            attr = style_column or default_attr
            _categorized(root, attr, classes, symbol_type, language, outline)
            info.update(renderer="categorizedSymbol", attr=attr, n_classes=len(classes))
        elif style in GRADUATED_STYLES and style_column:
            classes_g = list(classes) if classes is not None else graduated_classes(
                [] if values is None else values, ramp=RAMPS[GRADUATED_STYLES[style]], language=language
            )
            if classes_g:
                _graduated(root, style_column, classes_g, symbol_type, outline, "Jenks" if classes is None else None)
                info.update(renderer="graduatedSymbol", attr=style_column, n_classes=len(classes_g))
            else:
                # a layer without values (e.g. rates without a population): one grey symbol is the right
                # style, not something the user must act on
                log.debug("no finite value in %r: single-symbol style instead of graduated", style_column)
                _single(root, symbol_type, "#bdbdbd", alpha=255, outline=outline)
                info.update(renderer="singleSymbol", n_classes=1)
        else:
            if style not in (None, "points") and style not in GRADUATED_STYLES:
                log.warning("unknown style %r: single-symbol style", style)
            alpha = 0 if (outline_only and symbol_type == "fill") else 255
            _single(root, symbol_type, color, alpha=alpha, outline=outline)
            info.update(renderer="singleSymbol", n_classes=1)
        _sub(root, "blendMode", "0")
        _sub(root, "featureBlendMode", "0")
        _sub(root, "layerOpacity", "1")
        _sub(root, "legend", type="default-vector", showLabelLegend="0")
        if label_field is not None and label_field in fields:
            _labeling(root, label_field, outline[0] if outline else "#232323")
    aliases = _sub(root, "aliases")
    for i, name in enumerate(fields):
        text = field_label(name, language, table) or name  # a source's own column: its name as words
        _sub(aliases, "alias", field=name, index=str(i), name=text)
    _sub(root, "layerGeometryType", str(_geometry_code(symbol_type)))
    return root, info


field_label = field_alias


def _labeling(root: ET.Element, field: str, color: str) -> None:
    """Simple labels from ``field``: dark text with a white halo, over the polygon, never overlapping."""
    root.set("labelsEnabled", "1")
    labeling = _sub(root, "labeling", type="simple")
    settings = _sub(labeling, "settings", calloutType="simple")
    style = _sub(settings, "text-style", fieldName=field, isExpression="0", fontSize="9", fontWeight="63",
                 fontFamily="Sans Serif", textColor=_rgba(color), textOpacity="1", namedStyle="Bold",
                 fontSizeUnit="Point", multilineHeight="1", blendMode="0", previewBkgrdColor="255,255,255,255")
    _sub(style, "text-buffer", bufferDraw="1", bufferSize="1", bufferSizeUnits="MM",
         bufferColor="255,255,255,255", bufferOpacity="0.9", bufferJoinStyle="128", bufferNoFill="1")
    _sub(settings, "text-format", wrapChar="", autoWrapLength="18", multilineAlign="1", plussign="0")
    _sub(settings, "placement", placement="1", centroidInside="1", centroidWhole="0", fitInPolygonOnly="0",
         priority="5", dist="0", offsetType="0", overrunDistance="0")
    _sub(settings, "rendering", obstacle="1", obstacleType="1", displayAll="0", upsidedownLabels="0",
         limitNumLabels="0", minFeatureSize="0", scaleVisibility="0", labelPerPart="0", mergeLines="0",
         drawLabels="1", zIndex="0")


def raster_style(
    *,
    minimum: float,
    maximum: float,
    unit: str = "",
    language: str = "sv",
    ramp: Sequence[str] = RAMPS["YlOrRd"],
) -> ET.Element:
    """Build the QML of a single-band pseudocolour raster (a density surface).

    The ramp is interpolated from ``minimum`` (transparent, so the map below shows)
    to ``maximum`` through the colours of ``ramp``; the legend shows the unit.
    """
    if not (math.isfinite(minimum) and math.isfinite(maximum)):
        minimum, maximum = 0.0, 1.0
    if maximum <= minimum:
        maximum = minimum + 1.0
    root = _qgis_root(None)
    root.set("hasScaleBasedVisibilityFlag", "0")
    root.set("minScale", "1e+08")
    root.set("maxScale", "0")
    pipe = _sub(root, "pipe")
    prov = _sub(pipe, "provider")
    _sub(
        prov,
        "resampling",
        enabled="false",
        maxOversampling="2",
        zoomedInResamplingMethod="nearestNeighbour",
        zoomedOutResamplingMethod="nearestNeighbour",
    )
    rr = _sub(
        pipe,
        "rasterrenderer",
        type="singlebandpseudocolor",
        band="1",
        opacity="0.8",
        alphaBand="-1",
        classificationMin=repr(float(minimum)),
        classificationMax=repr(float(maximum)),
        nodataColor="",
    )
    _sub(rr, "rasterTransparency")
    mmo = _sub(rr, "minMaxOrigin")
    for tag, text in (
        ("limits", "None"),
        ("extent", "WholeRaster"),
        ("statAccuracy", "Estimated"),
        ("cumulativeCutLower", "0.02"),
        ("cumulativeCutUpper", "0.98"),
        ("stdDevFactor", "2"),
    ):
        _sub(mmo, tag, text)
    shader = _sub(rr, "rastershader")
    crs = _sub(
        shader,
        "colorrampshader",
        colorRampType="INTERPOLATED",
        classificationMode="1",
        clip="0",
        minimumValue=repr(float(minimum)),
        maximumValue=repr(float(maximum)),
        labelPrecision="2",
    )
    n = len(ramp)
    dec = _decimals(minimum, maximum, False)
    for i, color in enumerate(ramp):
        value = minimum + (maximum - minimum) * i / (n - 1)
        label = format_number(value, language, dec)
        if i == n - 1 and unit:
            label = f"{label} {unit}"
        alpha = "0" if i == 0 else "255"
        _sub(crs, "item", value=repr(float(value)), label=label, color=color, alpha=alpha)
    _sub(
        pipe,
        "brightnesscontrast",
        brightness="0",
        contrast="0",
        gamma="1",
    )
    _sub(pipe, "huesaturation", saturation="0", grayscaleMode="0", invertColors="0", colorizeOn="0")
    _sub(pipe, "rasterresampler", maxOversampling="2")
    _sub(root, "blendMode", "0")
    return root


def qml_string(root: ET.Element) -> str:
    """Serialise a ``<qgis>`` element as a QML document (with QGIS's DOCTYPE)."""
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"
