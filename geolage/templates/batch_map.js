// The national map of `geolage batch`: one choropleth per layer of the embedded JSON.
// Texts from the data are set with textContent only (never as HTML).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("geolage-batch-data").textContent);
  var COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
  var WITHHELD = "#b9c6dd";
  var map = L.map("map", { zoomSnap: 0.25 });
  map.fitBounds(data.bounds);
  var current = data.layers[0];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function classOf(v, bins) {
    for (var i = 0; i < bins.length; i++) { if (v <= bins[i]) { return i; } }
    return bins.length - 1;
  }
  function colour(p) {
    var v = p[current.key];
    if (!p.ok || v === null || v === undefined) { return null; }
    var k = classOf(v, current.bins);
    return COLOURS[Math.round(k * (COLOURS.length - 1) / Math.max(current.bins.length - 1, 1))];
  }
  function style(feature) {
    var c = colour(feature.properties);
    if (feature.properties.ok && feature.properties[current.key + "_withheld"]) {
      return { color: "#666", weight: 0.6, fillColor: WITHHELD, fillOpacity: 0.8 };
    }
    if (c === null) {
      return { color: "#666", weight: 0.6, fillColor: feature.properties.ok ? "#ddd" : "#999",
               fillOpacity: feature.properties.ok ? 0.5 : 0.8, dashArray: feature.properties.ok ? null : "3" };
    }
    return { color: "#555", weight: 0.6, fillColor: c, fillOpacity: 0.8 };
  }
  function tooltip(p) {
    var box = el("div");
    box.appendChild(el("strong", null, p.name + " (" + p.code + ")"));
    var rows = [[data.words.status, p.status_text], [data.words.count, p.count_text],
                [data.words.rate, p.rate_text], [data.words.bra_coverage, p.coverage_text]];
    rows.forEach(function (r) { box.appendChild(el("div", null, r[0] + ": " + r[1])); });
    return box;
  }
  var layer = L.geoJSON(data.features, {
    style: style,
    onEachFeature: function (f, l) { l.bindTooltip(tooltip(f.properties), { sticky: true }); }
  }).addTo(map);

  var panel = L.control({ position: "topright" });
  panel.onAdd = function () {
    var box = el("div", "gb-panel");
    L.DomEvent.disableClickPropagation(box);
    box.appendChild(el("h1", null, data.title));
    if (data.note) { box.appendChild(el("div", "gb-note", data.note)); }
    var select = el("select");
    data.layers.forEach(function (ly, i) {
      var o = el("option", null, ly.name);
      o.value = String(i);
      select.appendChild(o);
    });
    box.appendChild(select);
    var legend = el("div");
    box.appendChild(legend);
    function draw() {
      legend.textContent = "";
      legend.appendChild(el("div", "gb-unit", current.unit));
      current.labels.forEach(function (label, i) {
        var row = el("div", "gb-row");
        var sw = el("span", "gb-swatch");
        sw.style.background = COLOURS[Math.round(i * (COLOURS.length - 1) / Math.max(current.bins.length - 1, 1))];
        row.appendChild(sw);
        row.appendChild(el("span", null, "≤ " + label));
        legend.appendChild(row);
      });
      [[WITHHELD, data.words.withheld], ["#ddd", data.words.no_value], ["#999", data.words.failed]].forEach(function (r) {
        var row = el("div", "gb-row");
        var sw = el("span", "gb-swatch");
        sw.style.background = r[0];
        row.appendChild(sw);
        row.appendChild(el("span", null, r[1]));
        legend.appendChild(row);
      });
    }
    select.addEventListener("change", function () {
      current = data.layers[Number(select.value)];
      layer.setStyle(style);
      draw();
    });
    draw();
    return box;
  };
  panel.addTo(map);
}());
