/* The map: the support places and the atlas organisations as canvas circle markers over the project's own
   boundaries (no tiles); filters by layer, région, country, family and name; counts update; a keyboard list. */
(function () {
  "use strict";
  var D = window.ESSNUM_CARTE, P = D.points, n = P.n;
  var fmt = new Intl.NumberFormat("fr-FR");
  function val(col, i) { var c = P[col]; if (c && c.levels) { var k = c.codes[i]; return k < 0 ? null : c.levels[k]; } return c ? c[i] : null; }
  function norm(s) { return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  var kinds = {}; D.kinds.forEach(function (k) { kinds[k.code] = k; });
  var names = new Array(n), keys = new Array(n);
  for (var i = 0; i < n; i++) { names[i] = val("name", i) || ""; keys[i] = norm(names[i] + " " + (val("commune_name", i) || "")); }

  var map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, minZoom: 2, maxZoom: 16, keyboard: true, worldCopyJump: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Limites : IGN / INSEE, Natural Earth · Lieux : ANCT, data·inclusion");
  var B = D.boundaries;
  L.geoJSON(B.countries, { interactive: false, style: { color: "#a9a69f", weight: 0.6, fillColor: "#f1eee8", fillOpacity: 1 } }).addTo(map);
  L.geoJSON(B.regions, { interactive: false, style: { color: "#6f6b63", weight: 1.2, fillColor: "#ffffff", fillOpacity: 1 } }).addTo(map);
  L.geoJSON(B.departements, { interactive: false, style: { color: "#c3beb4", weight: 0.5, fill: false } }).addTo(map);
  var renderer = L.canvas({ padding: 0.3, tolerance: 3 });
  var markers = new Array(n), layer = L.layerGroup().addTo(map);
  for (i = 0; i < n; i++) {
    var k = kinds[val("kind", i)];
    markers[i] = L.circleMarker([P.lat[i], P.lon[i]], { renderer: renderer, radius: k.code === "atlas" ? 6 : 3.2, weight: k.code === "atlas" ? 1.5 : 0.4, color: "#1d1d1b", fillColor: k.colour, fillOpacity: 0.85 });
    markers[i].essnumIndex = i;
    markers[i].bindPopup(popup);
  }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }
  function popup(marker) {
    var i = marker.essnumIndex, rows = [["Type", kinds[val("kind", i)].label]];
    var commune = val("commune_name", i); if (commune) rows.push(["Commune", commune + (val("departement", i) ? " (" + val("departement", i) + ")" : "")]);
    var region = val("region", i); if (region) rows.push(["Région", D.regions[region] || region]);
    if (!commune && val("country", i)) rows.push(["Pays", val("country", i)]);
    if (val("family", i)) rows.push(["Famille", val("family", i)]);
    rows.push(["Source", val("source", i)]);
    if (val("date", i)) rows.push(["Date (source)", val("date", i)]);
    rows.push(["Position", val("precision", i)]);
    return "<strong>" + esc(names[i]) + "</strong><dl>" + rows.map(function (r) { return "<dt>" + esc(r[0]) + "</dt><dd>" + esc(r[1]) + "</dd>"; }).join("") + "</dl>";
  }

  function fill(select, values) { values.forEach(function (v) { var o = document.createElement("option"); o.value = v[0]; o.textContent = v[1]; select.appendChild(o); }); }
  var regionSel = document.getElementById("map-region"), countrySel = document.getElementById("map-country"), familySel = document.getElementById("map-family");
  fill(regionSel, P.region.levels.map(function (c) { return [c, D.regions[c] || c]; }).sort(function (a, b) { return a[1].localeCompare(b[1], "fr"); }));
  fill(countrySel, P.country.levels.map(function (c) { return [c, c]; }));
  fill(familySel, P.family.levels.map(function (c) { return [c, c]; }));
  var search = document.getElementById("map-search"), boxes = Array.prototype.slice.call(document.querySelectorAll("#map-filters input[name=kind]"));
  var countEl = document.getElementById("map-count"), list = document.getElementById("map-list"), more = document.getElementById("map-list-more");
  var visible = [], onMap = new Uint8Array(n);

  function update() {
    var on = {}; boxes.forEach(function (b) { on[b.value] = b.checked; });
    var r = regionSel.value, c = countrySel.value, f = familySel.value, q = norm(search.value.trim());
    var perKind = {}; D.kinds.forEach(function (k) { perKind[k.code] = 0; });
    visible = [];
    for (var i = 0; i < n; i++) {
      var kind = val("kind", i);
      if (r && val("region", i) !== r) continue;
      if (c && val("country", i) !== c) continue;
      if (f && val("family", i) !== f) continue;
      if (q && keys[i].indexOf(q) < 0) continue;
      perKind[kind]++;
      if (on[kind]) visible.push(i);
    }
    // only the markers whose state changes leave or join the layer (a filter stays fluid with all points)
    var want = new Uint8Array(n);
    for (var j = 0; j < visible.length; j++) want[visible[j]] = 1;
    for (j = 0; j < n; j++) {
      if (want[j] && !onMap[j]) { layer.addLayer(markers[j]); onMap[j] = 1; }
      else if (!want[j] && onMap[j]) { layer.removeLayer(markers[j]); onMap[j] = 0; }
    }
    Object.keys(perKind).forEach(function (k) { var el = document.querySelector('[data-kind-count="' + k + '"]'); if (el) el.textContent = fmt.format(perKind[k]); });
    countEl.dataset.count = visible.length;
    countEl.textContent = fmt.format(visible.length) + (visible.length > 1 ? " points affichés" : " point affiché") + " sur " + fmt.format(n);
    list.innerHTML = "";
    visible.slice(0, 50).forEach(function (i) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.textContent = names[i] + (val("commune_name", i) ? " — " + val("commune_name", i) : "");
      b.addEventListener("click", function () { map.setView(markers[i].getLatLng(), Math.max(map.getZoom(), 9)); markers[i].openPopup(); });
      li.appendChild(b); list.appendChild(li);
    });
    more.textContent = visible.length > 50 ? "… et " + fmt.format(visible.length - 50) + " autres : affinez la recherche." : "";
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(update, 120); }
  search.addEventListener("input", later);
  [regionSel, countrySel, familySel].concat(boxes).forEach(function (el) { el.addEventListener("change", update); });
  document.getElementById("map-reset").addEventListener("click", function () {
    search.value = ""; regionSel.value = ""; countrySel.value = ""; familySel.value = ""; boxes.forEach(function (b) { b.checked = true; }); update(); view("metropole");
  });
  var views = { metropole: ["Métropole", [[41.3, -5.2], [51.1, 9.6]]], "971": ["Guadeloupe", [[15.8, -61.9], [16.55, -61.0]]],
    "972": ["Martinique", [[14.38, -61.25], [14.9, -60.8]]], "973": ["Guyane", [[2.1, -54.6], [5.8, -51.6]]],
    "974": ["La Réunion", [[-21.4, 55.2], [-20.85, 55.85]]], "976": ["Mayotte", [[-13.05, 45.0], [-12.6, 45.3]]],
    europe: ["Europe", [[34, -11], [62, 32]]] };
  function view(code) { map.fitBounds(views[code][1]); }
  var viewBox = document.getElementById("map-views");
  Object.keys(views).forEach(function (code) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = views[code][0]; b.dataset.view = code;
    b.addEventListener("click", function () { view(code); }); viewBox.appendChild(b);
  });
  view("metropole");
  update();
  window.essnumMap = { map: map, visible: function () { return visible.length; }, drawn: function () { return layer.getLayers().length; }, total: n, update: update };
  requestAnimationFrame(function () { requestAnimationFrame(function () { window.essnumMapReady = performance.now(); document.body.dataset.mapReady = "1"; }); });
})();
