/* The « made in ESS » directory: search, filters, a detail panel, CSV download of the current selection. */
(function () {
  "use strict";
  var D = window.ESSNUM_ANNUAIRE, R = D.rows, n = R.n, PAGE = 50;
  var fmt = new Intl.NumberFormat("fr-FR");
  var columns = Object.keys(R).filter(function (c) { return c !== "n"; });
  function val(col, i) { var c = R[col]; if (c && c.levels) { var k = c.codes[i]; return k < 0 ? null : c.levels[k]; } return c ? c[i] : null; }
  function norm(s) { return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }
  var keys = new Array(n);
  for (var i = 0; i < n; i++) keys[i] = norm([val("name", i), val("siren", i), val("naf_label", i), val("naf", i), val("city", i), val("postal_code", i), val("digital_tags", i)].join(" "));
  var selects = Array.prototype.slice.call(document.querySelectorAll("#dir-filters select"));
  selects.forEach(function (s) {
    R[s.dataset.column].levels.slice().sort(function (a, b) { return a.localeCompare(b, "fr"); }).forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v; s.appendChild(o);
    });
  });
  var search = document.getElementById("dir-search"), esus = document.getElementById("dir-esus"), mission = document.getElementById("dir-mission"), active = document.getElementById("dir-active");
  var tbody = document.querySelector("#dir-table tbody"), countEl = document.getElementById("dir-count"), moreBtn = document.getElementById("dir-more"), detail = document.getElementById("dir-detail");
  var selection = [], shown = 0;

  function update() {
    var q = norm(search.value.trim()), wanted = selects.map(function (s) { return [s.dataset.column, s.value]; }).filter(function (p) { return p[1]; });
    selection = [];
    for (var i = 0; i < n; i++) {
      if (q && keys[i].indexOf(q) < 0) continue;
      var ok = true;
      for (var w = 0; w < wanted.length; w++) if (val(wanted[w][0], i) !== wanted[w][1]) { ok = false; break; }
      if (!ok) continue;
      if (esus.checked && val("esus", i) !== "oui") continue;
      if (mission.checked && val("societe_a_mission", i) !== "oui") continue;
      if (active.checked && val("active", i) !== "oui") continue;
      selection.push(i);
    }
    countEl.dataset.count = selection.length;
    countEl.textContent = fmt.format(selection.length) + (selection.length > 1 ? " organisations" : " organisation") + " sur " + fmt.format(n);
    tbody.innerHTML = ""; shown = 0; render();
  }
  function impact(i) {
    var out = [];
    if (val("esus", i) === "oui") out.push('<span class="badge">ESUS</span>');
    if (val("societe_a_mission", i) === "oui") out.push('<span class="badge">société à mission</span>');
    return out.join("");
  }
  function render() {
    var html = [];
    for (var j = shown; j < Math.min(selection.length, shown + PAGE); j++) {
      var i = selection[j], origin = val("origin", i);
      html.push("<tr data-index=\"" + i + "\"><td><button type=\"button\" class=\"name\" data-index=\"" + i + "\">" + esc(val("name", i)) + "</button></td>" +
        "<td><span class=\"badge" + (origin === "atlas" ? "" : " candidate") + "\">" + esc(origin) + "</span></td>" +
        "<td>" + esc(val("naf_label", i) || val("atlas_family", i) || "") + "</td><td>" + esc(val("legal_label", i) || "") + "</td>" +
        "<td>" + esc(val("governance", i) || "") + "</td><td>" + impact(i) + "</td></tr>");
    }
    tbody.insertAdjacentHTML("beforeend", html.join(""));
    shown = Math.min(selection.length, shown + PAGE);
    moreBtn.hidden = shown >= selection.length;
  }
  var groups = [
    ["Identité", [["origin", "Origine"], ["siren", "SIREN"], ["rna", "RNA"], ["active", "En activité"], ["creation_date", "Création"], ["postal_code", "Code postal"], ["city", "Commune"], ["country", "Pays"]]],
    ["Offre", [["naf", "Code NAF"], ["naf_label", "Activité (NAF rév. 2)"], ["naf_section_label", "Section NAF"], ["digital_tags", "Étiquettes numériques"], ["atlas_family", "Famille de l'atlas"]]],
    ["Modèle socio-économique", [["legal_category", "Catégorie juridique"], ["legal_label", "Libellé"], ["ess_family", "Famille ESS"], ["employer", "Employeur"], ["headcount_band", "Tranche d'effectifs SIRENE"]]],
    ["Gouvernance", [["governance", "Forme"]]],
    ["Impact", [["esus", "Agrément ESUS"], ["societe_a_mission", "Société à mission"]]],
    ["Provenance", [["sources", "Sources"]]]];
  function show(i) {
    Array.prototype.forEach.call(tbody.querySelectorAll("tr.selected"), function (tr) { tr.classList.remove("selected"); });
    var tr = tbody.querySelector('tr[data-index="' + i + '"]'); if (tr) tr.classList.add("selected");
    var html = "<h2>" + esc(val("name", i)) + "</h2>";
    if (val("origin", i) !== "atlas") html += '<p class="warning">Fiche du registre <strong>candidat</strong> : non validée.</p>';
    groups.forEach(function (g) {
      var rows = g[1].filter(function (f) { return val(f[0], i); });
      if (!rows.length) return;
      html += "<h3>" + esc(g[0]) + "</h3><dl>" + rows.map(function (f) { return "<dt>" + esc(f[1]) + "</dt><dd>" + esc(val(f[0], i)) + "</dd>"; }).join("") + "</dl>";
    });
    detail.innerHTML = html; detail.focus();
  }
  tbody.addEventListener("click", function (e) { var b = e.target.closest("button.name"); if (b) show(+b.dataset.index); });
  moreBtn.addEventListener("click", render);
  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 120); });
  selects.concat([esus, mission, active]).forEach(function (el) { el.addEventListener("change", update); });
  document.getElementById("dir-reset").addEventListener("click", function () {
    search.value = ""; selects.forEach(function (s) { s.value = ""; }); esus.checked = mission.checked = active.checked = false; update();
  });
  function csvCell(v) { v = v == null ? "" : String(v); return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function save(blob, name) {
    var a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  document.getElementById("dir-download-csv").addEventListener("click", function () {
    var lines = [columns.join(",")];
    selection.forEach(function (i) { lines.push(columns.map(function (c) { return csvCell(val(c, i)); }).join(",")); });
    save(new Blob([lines.join("\n") + "\n"], { type: "text/csv;charset=utf-8" }), "annuaire-selection.csv");
  });
  document.getElementById("dir-download-xlsx").addEventListener("click", function () {
    var rows = [columns].concat(selection.map(function (i) { return columns.map(function (c) { return val(c, i); }); }));
    save(window.essnumXlsx.workbook(rows, "annuaire"), "annuaire-selection.xlsx");
  });
  update();
  window.essnumDirectory = { selection: function () { return selection.length; }, total: n };
})();
