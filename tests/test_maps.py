"""Maps (issue 4 §3): attribution, overseas insets, legend breaks, région maps, determinism."""

from __future__ import annotations

import matplotlib.colors
import matplotlib.text
import pandas as pd
import pytest

from essnum.config import decision
from essnum.data import reference
from essnum.data.sources import attribution
from essnum.territory import maps

DROM = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}
LABELS = {"title": "Organisations de l'atlas", "unit": "organisations pour 100 000 habitants",
          "legend_title": "Organisations\npour 100 000 habitants"}


@pytest.fixture(scope="module")
def departements():
    return reference.departements()


def _table(codes, values) -> pd.DataFrame:
    return pd.DataFrame({"code": list(codes), "density": list(values)})


@pytest.fixture(scope="module")
def values(departements):
    """Synthetic test table (not atlas data): zeros, a département without row, a spread of densities."""
    table = _table(departements["code"], [(i % 7) * 1.25 for i in range(len(departements))])
    return table[table["code"] != "2A"]


@pytest.fixture(scope="module")
def france(values, departements):
    return maps.france_map(values, "density", departements, zero_label="Aucune organisation", **LABELS)


def _declared_lines(frame) -> list[str]:
    return [attribution(name) for name in frame.attrs["sources"]]


def test_france_map_prints_the_declared_attributions(france, departements):
    lines = _declared_lines(departements)
    assert any("© IGN" in line for line in lines)
    for line in lines:
        assert line in france.texts
        assert line in france.alt_text


def test_extra_source_lines_follow_the_declared_ones(values, departements):
    drawn = maps.france_map(values, "density", departements, sources=["Données : atlas de test"], **LABELS)
    footer = [t for t in drawn.texts if t in (*_declared_lines(departements), "Données : atlas de test")]
    assert footer == [*dict.fromkeys(_declared_lines(departements)), "Données : atlas de test"]


def test_geometry_without_declared_sources_is_refused(values, departements):
    bare = departements.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="declared sources"):
        maps.france_map(values, "density", bare, **LABELS)


def test_the_five_drom_have_labelled_insets_in_their_own_projection(france, departements):
    titles = {ax.get_title(loc="left"): ax for ax in france.figure.axes if ax.get_title(loc="left")}
    for code, name in DROM.items():
        label = f"{name} ({code})"
        assert label in titles, sorted(titles)
        ax = titles[label]
        assert ax.collections, f"inset {label} draws nothing"
        crs = decision("territory.overseas_crs")[code]
        xmin, ymin, xmax, ymax = departements[departements["code"] == code].to_crs(crs).total_bounds
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert x0 < xmin and xmax < x1 and y0 < ymin and ymax < y1
        assert any(t.get_text().endswith(" km") for t in ax.texts), f"inset {label} has no scale bar"


def test_region_level_france_map_puts_overseas_regions_in_insets():
    regions = reference.regions()
    drawn = maps.france_map(_table(regions["code"], [1.0] * len(regions)), "density", regions, level="region", **LABELS)
    titles = {ax.get_title(loc="left") for ax in drawn.figure.axes}
    assert {f"{name} ({code})" for code, name in DROM.items()} <= titles
    # Région "04" is La Réunion, not the département Alpes-de-Haute-Provence.
    assert "Alpes-de-Haute-Provence (04)" not in titles


def test_legend_shows_class_breaks_zero_and_missing_classes(france):
    legend = france.figure.axes[-1].get_legend()
    entries = [t.get_text() for t in legend.get_texts()]
    assert entries == ["Aucune organisation", *france.classification.labels(), decision("maps.no_data_label")]
    assert "100 000 habitants" in legend.get_title().get_text()


def test_classes_and_labels_in_french_notation():
    integers = maps.classify(pd.Series([1, 2, 3, 10, 11, 12, 50, 51]), k=3)
    assert integers.upper == (3.0, 12.0, 51.0)
    assert integers.labels() == ["1 – 3", "10 – 12", "50 – 51"]  # observed ranges: labels never overlap
    decimals = maps.classify(pd.Series([0.5, 1.5, 1250.5, 1312.5]), k=2)
    assert decimals.labels() == ["0,5 – 1,5", "1\u202f250,5 – 1\u202f312,5"]
    small = maps.classify(pd.Series([0.015, 0.115, 0.174]), k=3)
    assert small.labels() == ["0,02", "0,12", "0,17"]
    quartiles = maps.classify(pd.Series(range(1, 101)), scheme="quantiles", k=4)
    assert quartiles.labels() == ["1 – 25", "26 – 50", "51 – 75", "76 – 100"]


def test_zero_and_missing_values_get_their_own_classes():
    values = pd.Series([0.0, None, 0.5, 1.5, 10.0, 12.0], index=list("abcdef"))
    classification = maps.classify(values, k=2, zero_label="Aucune")
    assert classification.assign(values).tolist() == [maps.ZERO, maps.NO_DATA, 1, 1, 2, 2]
    assert maps.classify(values, k=2).assign(values).tolist()[0] == 1  # without a zero class, 0 is classed


def test_fewer_distinct_values_than_classes_gives_one_class_per_value():
    classification = maps.classify(pd.Series([2, 2, 5, 5, 5]), k=5)
    assert classification.upper == (2.0, 5.0)
    assert classification.labels() == ["2", "5"]


def test_negative_values_are_refused():
    with pytest.raises(ValueError, match="negative"):
        maps.classify(pd.Series([1.0, -2.0], index=["59", "62"]))


def test_class_breaks_are_deterministic():
    values = pd.Series([(i * 37 % 101) / 7 for i in range(500)])
    for scheme in ("fisher_jenks", "quantiles"):
        shuffled = values.sample(frac=1, random_state=1)
        assert maps.classify(values, scheme=scheme) == maps.classify(shuffled, scheme=scheme)


def test_png_bytes_are_identical_from_run_to_run(values, departements):
    first = maps.france_map(values, "density", departements, **LABELS).png()
    second = maps.france_map(values, "density", departements, **LABELS).png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert first == second


def test_codes_unknown_to_the_geometry_are_named(values, departements):
    with pytest.raises(ValueError, match="'2C'"):
        maps.france_map(pd.concat([values, _table(["2C"], [1.0])]), "density", departements, **LABELS)


@pytest.mark.parametrize("region", ["84", "04"])
def test_region_map_draws_the_region_and_its_departements(region, values, departements):
    drawn = maps.region_map(values, "density", departements, region, zero_label="Aucune organisation", **LABELS)
    members = departements[departements["region"] == region]
    labels = " ".join(drawn.texts)
    for name in members["name"]:
        assert name in labels
    for line in _declared_lines(departements):
        assert line in drawn.texts
    assert drawn.alt_text.startswith("Carte choroplèthe de la région")
    ax = drawn.figure.axes[0]
    crs = "EPSG:2975" if region == "04" else decision("territory.metropole_crs")
    xmin, ymin, xmax, ymax = members.to_crs(crs).total_bounds
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < xmin < xmax < x1 and y0 < ymin < ymax < y1
    assert (x1 - x0) < 3 * max(xmax - xmin, ymax - ymin)  # framed on the région, not on France


def test_unknown_region_lists_the_valid_codes(values, departements):
    with pytest.raises(ValueError, match=r"unknown région code '99'; valid codes: 01, 02, 03, 04, 06, 11"):
        maps.region_map(values, "density", departements, "99", **LABELS)


def test_europe_map_in_laea_with_eurogeographics_attribution():
    nuts0 = reference.nuts(0, "EPSG:3035", "60M")
    countries = reference.countries()
    values = _table(nuts0["nuts_id"], [float(i % 3) for i in range(len(nuts0))])
    drawn = maps.europe_map(values, "density", nuts0, context=countries, zero_label="Aucune organisation",
                            geometry_code="nuts_id", **LABELS)
    assert "© EuroGeographics for the administrative boundaries" in drawn.texts
    for line in _declared_lines(countries):
        assert line in drawn.texts
    ax = drawn.figure.axes[0]
    xmin, ymin, xmax, ymax = decision("maps.europe_extent")
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= xmin and xmax <= x1 and y0 <= ymin and ymax <= y1
    assert "Aucune organisation" in drawn.alt_text


def test_europe_map_draws_countries_outside_the_table_as_context_and_names_missing_ones():
    countries = reference.countries()
    table = _table(["FR", "BE", "NL", "MT"], [1.0, 2.0, 3.0, 4.0])  # Malta is not in the 1:110m layer
    drawn = maps.europe_map(table, "density", countries, geometry_code="iso_a2", **LABELS)
    ax = drawn.figure.axes[0]
    painted = {matplotlib.colors.to_hex(c) for c in ax.collections[-1].get_facecolors()}
    assert painted == set(maps.class_colours(3))  # only the three mapped countries are classed
    assert len(ax.collections) == 2  # under them, one context layer: every other country
    assert "Non représentés (absents du fond de carte) : MT." in drawn.texts
    assert "MT" in drawn.alt_text
    assert "Belgique" in drawn.alt_text and "Belgium" not in drawn.alt_text  # French country names
    assert drawn.classification.k == 3


def _texts_outside_figure(drawn: maps.MapFigure) -> list[str]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(drawn.figure)
    canvas.draw()
    renderer, box = canvas.get_renderer(), drawn.figure.bbox
    outside = []
    for text in drawn.figure.findobj(matplotlib.text.Text):
        if text.get_text() and text.get_visible():
            extent = text.get_window_extent(renderer)
            if extent.x0 < box.x0 - 1 or extent.x1 > box.x1 + 1 or extent.y0 < box.y0 - 1 or extent.y1 > box.y1 + 1:
                outside.append(text.get_text())
    return outside


def test_every_text_fits_in_the_figure_even_with_long_labels_and_many_source_lines(values, departements):
    drawn = maps.france_map(values, "density", departements, zero_label="Aucune organisation localisée dans l'atlas",
                            sources=["Données : première ligne ajoutée", "Données : deuxième ligne ajoutée"], **LABELS)
    assert _texts_outside_figure(drawn) == []
    for code in ("84", "04"):
        assert _texts_outside_figure(maps.region_map(values, "density", departements, code, **LABELS)) == []


def test_departement_map_zooms_on_paris_and_petite_couronne(france):
    zoom = [ax for ax in france.figure.axes if ax.get_title(loc="left") == decision("maps.zoom_label")]
    assert len(zoom) == 1 and zoom[0].collections


def test_europe_legend_names_the_context_grey():
    drawn = maps.europe_map(_table(["FR", "BE"], [1.0, 2.0]), "density", reference.countries(),
                            geometry_code="iso_a2", **LABELS)
    entries = [t.get_text() for t in drawn.figure.axes[-1].get_legend().get_texts()]
    assert entries[-1].replace("\n", " ") == decision("maps.context_label")


def test_region_map_can_reuse_the_national_breaks(france, values, departements):
    drawn = maps.region_map(values, "density", departements, "84", classification=france.classification, **LABELS)
    assert drawn.classification == france.classification
    legend = [t.get_text() for t in drawn.figure.axes[-1].get_legend().get_texts()]
    classes = [label for label in legend if label not in ("Aucune organisation", decision("maps.no_data_label"))]
    assert classes == france.classification.labels()  # every national class, even those absent from the région


def test_region_labels_never_overlap_and_small_departements_are_keyed(departements):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    table = _table(departements["code"], [i * 1.37 for i in range(len(departements))])
    for region in sorted(departements["region"].unique()):
        drawn = maps.region_map(table, "density", departements, region, **LABELS)
        renderer = FigureCanvasAgg(drawn.figure).get_renderer()
        ax = drawn.figure.axes[0]
        boxes = [t.get_window_extent(renderer) for t in ax.texts if not t.get_text().endswith(" km")]
        assert len(boxes) == (departements["region"] == region).sum()
        overlapping = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                       if boxes[i].overlaps(boxes[j])]
        assert not overlapping, (region, [ax.texts[i].get_text() for pair in overlapping for i in pair])
    paris = maps.region_map(table, "density", departements, "11", **LABELS)
    assert "75 : Paris" in "\n".join(paris.texts)


def test_sources_declared_on_the_table_are_printed_too(values, departements):
    table = values.copy()
    table.attrs["sources"] = ["naturalearth-countries"]  # any declared dataset behind the values
    drawn = maps.france_map(table, "density", departements, **LABELS)
    assert attribution("naturalearth-countries") in drawn.texts


def test_recorded_texts_are_every_text_of_the_figure_in_findobj_order(france, values, departements):
    nuts0 = reference.nuts(0, "EPSG:3035", "60M")
    europe = maps.europe_map(_table(nuts0["nuts_id"], [1.0] * len(nuts0)), "density", nuts0,
                             context=reference.countries(), geometry_code="nuts_id", **LABELS)
    for drawn in (france, europe, maps.region_map(values, "density", departements, "04", **LABELS)):
        every = tuple(t.get_text() for t in drawn.figure.findobj(matplotlib.text.Text) if t.get_text())
        assert drawn.texts == every


def _points(lonlat, sources=("anct-france-services-2024-08-01",)):
    """SYNTHETIC points (not real sites) in EPSG:4326, with declared sources."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"id": [str(i) for i in range(len(lonlat))]},
                             geometry=gpd.points_from_xy([p[0] for p in lonlat], [p[1] for p in lonlat]),
                             crs="EPSG:4326")
    frame.attrs["sources"] = list(sources)
    return frame


@pytest.mark.parametrize(("region", "lonlat"), [("84", [(4.85, 45.76), (5.72, 45.19), (3.08, 45.78)]),
                                                ("04", [(55.45, -20.88), (55.48, -21.34)])])
def test_region_map_draws_points_in_the_maps_projection(region, lonlat, values, departements):
    import matplotlib.collections

    drawn = maps.region_map(values, "density", departements, region, points=_points(lonlat),
                            points_label="Site (synthétique)", **LABELS)
    ax = drawn.figure.axes[0]
    scatters = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert len(scatters) == 1 and len(scatters[0].get_offsets()) == len(lonlat)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for x, y in scatters[0].get_offsets():  # projected like the région (metres of Lambert-93 or UTM 40S), inside it
        assert x0 < x < x1 and y0 < y < y1 and abs(x) > 1000
    assert "Site (synthétique)" in drawn.texts
    assert attribution("anct-france-services-2024-08-01") in drawn.texts
    assert drawn.alt_text.endswith(f"Points : {len(lonlat)} (Site (synthétique)).")
    assert _texts_outside_figure(drawn) == []


def test_points_need_declared_sources_and_a_label(values, departements):
    with pytest.raises(ValueError, match="declared sources"):
        maps.region_map(values, "density", departements, "84", points=_points([(4.85, 45.76)], sources=()),
                        points_label="Site", **LABELS)
    with pytest.raises(ValueError, match="points_label"):
        maps.region_map(values, "density", departements, "84", points=_points([(4.85, 45.76)]), **LABELS)
