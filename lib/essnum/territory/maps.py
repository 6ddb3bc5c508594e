"""Classed choropleth maps a policy reader can trust (issue 4 §3).

France: the metropole in Lambert-93 with the five overseas départements as labelled insets, each in
its own official projection and with its own scale bar. Europe: ETRS89-LAEA (EPSG:3035) clipped to a
European extent. One région with its départements (overseas régions included) for the barometers,
optionally with a layer of points over it (e.g. the France Services sites of the région).

Every map is classed (mapclassify Fisher–Jenks or quantiles, deterministic), shows the class breaks
with their unit in French number format, keeps zero and missing values in classes of their own,
prints the source and attribution lines taken from the dataset declarations under the map, and comes
with an alt text. Figures have a fixed size and resolution; PNG bytes carry no software/date stamp.

No analysis here: the values come from ``essnum.territory`` tables, the geometry from
``essnum.data.reference``; choices (scheme, colours, sizes, projections) from ``decisions.toml [maps]``.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.patheffects
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from babel import Locale
from babel.numbers import format_decimal
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from essnum.config import decision
from essnum.data import reference
from essnum.data.sources import attribution
from essnum.figure_data import with_data
from essnum.paths import atomic_write

CM_PER_INCH = 2.54
TITLE_CM = 1.4  # band above the map holding the title and the unit
LINE_CM = 0.38  # height of one footer line (notes, sources)
NO_DATA = -1
ZERO = 0
LEVEL_WORDS = {"departement": "département", "region": "région"}


def _setting(key: str):
    return decision(f"maps.{key}")


# --------------------------------------------------------------------------- numbers


def format_number(value: float, decimals: int = 0) -> str:
    """``value`` in French notation (``1 234,5``) with exactly ``decimals`` decimals."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_setting("locale"))


def _decimals_for(values: Sequence[float]) -> int:
    """Fewest decimals (0 to 3) that keep distinct values distinct and non-zero values non-zero when printed."""
    for decimals in range(4):
        rounded = [round(v, decimals) for v in values]
        distinct = len(set(rounded)) == len(set(values))
        if distinct and all(r != 0 for r, v in zip(rounded, values, strict=True) if v != 0):
            return decimals
    return 3


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class Classification:
    """Class breaks of a choropleth.

    ``upper`` holds the inclusive upper break of each class of positive values (a value above the
    last break joins the last class); ``ranges`` the smallest and largest value observed in each class
    when the breaks were fitted — what the legend prints, so that labels never overlap. Zero (when
    ``zero_label`` is set) and missing values get classes of their own, coded ``ZERO`` (0) and
    ``NO_DATA`` (-1); the positive classes are numbered from 1.
    """

    scheme: str
    upper: tuple[float, ...]
    ranges: tuple[tuple[float, float], ...]
    zero_label: str | None

    @property
    def k(self) -> int:
        return len(self.upper)

    def assign(self, values: pd.Series) -> pd.Series:
        """Class number of every value (``NO_DATA``, ``ZERO`` or 1…k)."""
        numbers = pd.to_numeric(values, errors="raise").astype("float64")
        classes = pd.Series(NO_DATA, index=values.index, dtype="int64")
        present = numbers.notna()
        if self.zero_label is not None:
            is_zero = present & (numbers == 0)
            classes[is_zero] = ZERO
            present &= ~is_zero
        if self.k:
            positions = np.searchsorted(np.asarray(self.upper), numbers[present].to_numpy(), side="left")
            classes[present] = np.minimum(positions, self.k - 1) + 1
        return classes

    @property
    def decimals(self) -> int:
        """Decimals printed for values of this classification (enough to tell the observed values apart)."""
        return _decimals_for(sorted({v for pair in self.ranges for v in pair})) if self.k else 0

    def labels(self) -> list[str]:
        """Legend label of each positive class: its observed range in French notation (``1,5 – 3,2``)."""
        decimals = self.decimals
        return [format_number(low, decimals) if low == high
                else f"{format_number(low, decimals)} – {format_number(high, decimals)}" for low, high in self.ranges]


def classify(values: pd.Series, *, scheme: str | None = None, k: int | None = None,
             zero_label: str | None = None) -> Classification:
    """Class breaks for ``values`` (missing values ignored; zeros apart when ``zero_label`` is set).

    ``scheme`` is ``"fisher_jenks"`` or ``"quantiles"`` (default ``maps.scheme``), ``k`` the number of
    classes (default ``maps.classes``), reduced to the number of distinct values when there are fewer;
    classes left empty by tied quantiles are dropped. Both schemes are exact, so the same values
    always give the same breaks.
    """
    scheme = scheme or _setting("scheme")
    k = k or _setting("classes")
    numbers = pd.to_numeric(values, errors="raise").astype("float64").dropna()
    if (numbers < 0).any():
        raise ValueError(f"choropleth values must be >= 0; negative for {sorted(numbers[numbers < 0].index)}")
    if zero_label is not None:
        numbers = numbers[numbers != 0]
    data = np.sort(numbers.to_numpy())
    distinct = np.unique(data)
    if len(distinct) <= k:
        breaks = distinct
    elif scheme == "fisher_jenks":
        import mapclassify  # imported only when needed: it loads scipy.stats and scikit-learn (seconds)

        with warnings.catch_warnings():  # the pure-Python path is exact, just slower than numba's
            warnings.filterwarnings("ignore", message="Numba not installed")
            breaks = mapclassify.FisherJenks(data, k=k).bins
    elif scheme == "quantiles":
        import mapclassify

        breaks = mapclassify.Quantiles(data, k=k).bins
    else:
        raise ValueError(f"unknown classification scheme {scheme!r}: use 'fisher_jenks' or 'quantiles' "
                         "(decisions.toml [maps] scheme)")
    position = np.minimum(np.searchsorted(breaks, data, side="left"), len(breaks) - 1) if len(data) else data
    upper, ranges = [], []
    for i, brk in enumerate(breaks):
        members = data[position == i]
        if len(members):
            upper.append(float(brk))
            ranges.append((float(members[0]), float(members[-1])))
    return Classification(scheme=scheme, upper=tuple(upper), ranges=tuple(ranges), zero_label=zero_label)


def class_colours(k: int) -> list[str]:
    """``k`` colours of the sequential colormap ``maps.colormap``, light to dark."""
    cmap = matplotlib.colormaps[_setting("colormap")]
    low, high = _setting("colormap_range")
    positions = [(low + high) / 2] if k == 1 else np.linspace(low, high, k)
    return [matplotlib.colors.to_hex(cmap(p)) for p in positions]


# --------------------------------------------------------------------------- result


@dataclass
class MapFigure:
    """A drawn map: the matplotlib figure, its title, alt text, the classification it shows and every
    text drawn on it (attribution lines included)."""

    figure: Figure
    title: str
    alt_text: str
    classification: Classification
    texts: tuple[str, ...]

    def png(self) -> bytes:
        """The figure as PNG bytes, identical from run to run (fixed size and dpi, no metadata)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=decision("briefs.figure_dpi"), metadata={"Software": None},
                            pil_kwargs={"compress_level": _setting("png_compress_level")})
        return buffer.getvalue()

    def save(self, path: Path | str) -> Path:
        """Write the PNG atomically to ``path`` and return it."""
        path = Path(path)
        with atomic_write(path) as handle:
            handle.write(self.png())
        return path

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:  # short and stable: it is the text output stored in notebooks
        return f"<MapFigure {self.title!r}: {self.classification.k} classe(s), {self.figure.dpi:.0f} dpi>"


# --------------------------------------------------------------------------- drawing helpers


def _join(geometry: gpd.GeoDataFrame, geometry_code: str, table: pd.DataFrame, column: str,
          what: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Geometry with ``code`` (from its ``geometry_code`` column) and ``value`` (the table's ``column``
    matched on the table's ``code``; NaN where the table has no row), and the table's codes absent from
    the geometry (sorted)."""
    if geometry_code not in geometry.columns:
        raise KeyError(f"{what} geometry has no column {geometry_code!r} (columns: {list(geometry.columns)})")
    for needed in ("code", column):
        if needed not in table.columns:
            raise KeyError(f"{what} table has no column {needed!r} (columns: {list(table.columns)})")
    codes = table["code"].astype("string")
    if codes.duplicated().any():
        raise ValueError(f"{what} table: duplicated codes {sorted(codes[codes.duplicated()].unique())}")
    frame = geometry.copy()
    frame["code"] = frame[geometry_code].astype("string")
    values = pd.to_numeric(table[column], errors="raise").astype("float64")
    frame["value"] = frame["code"].map(dict(zip(codes, values, strict=True))).astype("float64")
    return frame, sorted(set(codes) - set(frame["code"].dropna()))


def _attributions(*geometries: gpd.GeoDataFrame, table: pd.DataFrame, extra: Sequence[str] = ()) -> list[str]:
    """One line per declared dataset behind the map, each once, in order: the geometries' sources
    (``attrs["sources"]``, set by ``essnum.data.reference``; required), the table's sources when it carries
    some (e.g. the populations behind a density), then ``extra``."""
    lines: list[str] = []
    for frame in geometries:
        names = frame.attrs.get("sources")
        if not names:
            raise ValueError("geometry carries no declared sources (attrs['sources']): "
                             "load it through essnum.data.reference")
        lines.extend(attribution(name) for name in names)
    lines.extend(attribution(name) for name in table.attrs.get("sources", ()))
    lines.extend(extra)
    return list(dict.fromkeys(lines))


def _canvas(map_height_cm: float, lines: Sequence[str], notes: Sequence[str] = ()) -> tuple[Figure, float]:
    """A figure ``maps.width_cm`` wide: title band, map area, then a footer holding ``notes`` (small,
    grey) and the source ``lines``, sized to them. Returns the figure and the map area's bottom (cm)."""
    footer = 0.3 + LINE_CM * (len(notes) + len(lines))
    height = TITLE_CM + map_height_cm + footer
    figure = Figure(figsize=(_setting("width_cm") / CM_PER_INCH, height / CM_PER_INCH),
                    dpi=decision("briefs.figure_dpi"))
    y = footer - 0.2
    for text, size, colour in [*((n, -1.5, "#555555") for n in notes), *((line, -1, "#333333") for line in lines)]:
        figure.text(0.01, y / height, text, ha="left", va="top", fontsize=_setting("font_size") + size, color=colour)
        y -= LINE_CM
    return figure, footer


def _paint(ax, frame: gpd.GeoDataFrame, classes: pd.Series, colours: list[str]) -> None:
    """Fill each unit with its class colour; missing values hatched."""
    fills = classes.map(lambda c: _setting("no_data_colour") if c == NO_DATA
                        else _setting("zero_colour") if c == ZERO else colours[c - 1])
    frame.plot(ax=ax, color=fills.tolist(), edgecolor=_setting("edge_colour"), linewidth=_setting("edge_width"))
    missing = frame[classes == NO_DATA]
    if len(missing):
        missing.plot(ax=ax, facecolor="none", edgecolor=_setting("no_data_hatch_colour"),
                     hatch=_setting("no_data_hatch"), linewidth=0)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlabel("")
    ax.set_ylabel("")


def _legend_handles(classification: Classification, classes: pd.Series, colours: list[str]) -> list[Patch]:
    edge = {"edgecolor": _setting("edge_colour"), "linewidth": _setting("edge_width")}
    handles = [Patch(facecolor=colour, label=label, **edge)
               for colour, label in zip(colours, classification.labels(), strict=True)]
    if classification.zero_label is not None and (classes == ZERO).any():
        handles.insert(0, Patch(facecolor=_setting("zero_colour"), label=classification.zero_label, **edge))
    if (classes == NO_DATA).any():
        handles.append(Patch(facecolor=_setting("no_data_colour"), hatch=_setting("no_data_hatch"),
                             label=_setting("no_data_label"), **edge))
    return handles


def _mapped(frame: gpd.GeoDataFrame, classes: pd.Series, classification: Classification, name_column: str,
            column: str) -> pd.DataFrame:
    """The data a map shows, one row per unit drawn: code, name, the mapped ``column`` and the legend class."""
    labels = dict(enumerate(classification.labels(), start=1))
    labels[ZERO] = classification.zero_label
    labels[NO_DATA] = _setting("no_data_label")
    table = pd.DataFrame({"code": frame["code"].to_numpy(), "name": frame[name_column].to_numpy(),
                          column: frame["value"].to_numpy(), "class": classes.map(labels).to_numpy()})
    return table.sort_values("code", ignore_index=True)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ⁿ metres) close to a quarter of ``span_m``."""
    target = span_m / 4
    magnitude = 10 ** math.floor(math.log10(target))
    return max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target)


def _scale_bar(ax) -> None:
    """A labelled scale bar in the lower left corner of a projected (metre) axes."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    left, base = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([left, left + length], [base, base], color="black", linewidth=1.2, solid_capstyle="butt")
    label = f"{format_number(length / 1000, 0 if length >= 1000 else 1)} km"
    ax.text(left, base + 0.015 * (y1 - y0), label, ha="left", va="bottom", fontsize=_setting("font_size") - 1.5)


def _fit_limits(ax, bounds: Sequence[float], pad: float) -> None:
    """Show ``bounds`` (xmin, ymin, xmax, ymax) padded by ``pad``, widened to the axes' own shape.

    The data limits then match the axes box exactly, so an equal aspect never resizes the box: insets
    keep identical frames and nothing is silently re-clipped.
    """
    xmin, ymin, xmax, ymax = bounds
    dx, dy = (xmax - xmin) * (1 + 2 * pad), (ymax - ymin) * (1 + 2 * pad)
    box = ax.get_position(original=True)
    box_ratio = (box.width * ax.figure.get_figwidth()) / (box.height * ax.figure.get_figheight())
    if dx / dy < box_ratio:
        dx = dy * box_ratio
    else:
        dy = dx / box_ratio
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)


def _count(n: int, word: str) -> str:
    return f"{format_number(n)} {word}{'s' if n > 1 else ''}"


def _ranked(frame: gpd.GeoDataFrame, name_column: str, decimals: int, n: int = 3) -> str:
    top = frame.dropna(subset=["value"]).sort_values(["value", name_column], ascending=[False, True]).head(n)
    top = top[top["value"] > 0]
    return ", ".join(f"{name} ({format_number(v, decimals)})"
                     for name, v in zip(top[name_column], top["value"], strict=True))


def _alt_text(subject: str, frame: gpd.GeoDataFrame, classes: pd.Series, classification: Classification,
              name_column: str, unit: str, title: str, sources: Sequence[str]) -> str:
    """French alt text: what is shown, how it is classed, the extremes, the zero/missing units and sources."""
    parts = [f"Carte choroplèthe {subject} : {title}. Valeurs : {unit}."]
    if classification.k:
        one_per_value = all(low == high for low, high in classification.ranges)
        method = "une par valeur observée" if one_per_value else _setting("scheme_labels")[classification.scheme]
        parts.append(f"{_count(classification.k, 'classe')} ({method}) : " + " ; ".join(classification.labels()) + ".")
        parts.append(f"Valeurs les plus élevées : {_ranked(frame, name_column, classification.decimals)}.")
    zeros, missing = int((classes == ZERO).sum()), int((classes == NO_DATA).sum())
    if classification.zero_label is not None:
        parts.append(f"Classe « {classification.zero_label} » : {zeros} sur {_count(len(frame), 'unité')}.")
    if missing:
        parts.append(f"Sans donnée : {_count(missing, 'unité')}.")
    parts.append("Sources : " + " ; ".join(sources) + ".")
    return " ".join(parts)


def _title(figure: Figure, title: str, unit: str) -> None:
    figure.suptitle(title, x=0.01, y=0.985, ha="left", va="top", fontsize=_setting("font_size") + 2, fontweight="bold")
    figure.text(0.01, 1 - 0.75 / (figure.get_figheight() * CM_PER_INCH), unit, ha="left", va="top",
                fontsize=_setting("font_size"), color="#333333")


def _figure_texts(figure: Figure) -> tuple[str, ...]:
    """Every text drawn on the figure (titles, labels, legend, footer), for checks and search, in
    ``findobj`` order. Axis objects are skipped: the maps turn their axes off, and walking an axis makes
    matplotlib create its ticks, which cost more than the rest of the walk."""

    def texts(artist) -> Iterator[str]:
        for child in artist.get_children():
            if not isinstance(child, Axis):
                yield from texts(child)
        if isinstance(artist, Text) and artist.get_text():
            yield artist.get_text()

    return tuple(texts(figure))


# --------------------------------------------------------------------------- the three maps


def _classed(frame: gpd.GeoDataFrame, zero_label: str | None,
             classification: Classification | None) -> tuple[Classification, pd.Series, list[str]]:
    """The given classification (e.g. national breaks reused on a région), else one fitted to ``frame``."""
    classification = classification or classify(frame["value"], zero_label=zero_label)
    return classification, classification.assign(frame["value"]), class_colours(classification.k)


def _legend(ax, handles: list[Patch], legend_title: str, loc: str = "center left") -> None:
    """The class legend, labels wrapped to fit the legend column."""
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), _setting("legend_label_chars")))
    ax.set_axis_off()
    legend = ax.legend(handles=handles, title=legend_title, loc=loc, frameon=False, fontsize=_setting("font_size"),
                       title_fontsize=_setting("font_size"), alignment="left", handlelength=1.6, handleheight=1.1)
    legend.get_title().set_multialignment("left")


def _axes_cm(figure: Figure, left: float, bottom: float, width: float, height: float):
    """An axes placed in centimetres from the lower-left corner of the figure."""
    w, h = figure.get_figwidth() * CM_PER_INCH, figure.get_figheight() * CM_PER_INCH
    return figure.add_axes((left / w, bottom / h, width / w, height / h))


def _overseas_insets() -> list[dict]:
    """One inset per overseas département (``territory.overseas_crs``, in code order): its code, its
    région's code (from the COG) and its projection."""
    region_of = reference.cog_departements().set_index("code")["region"]
    return [{"departement": code, "region": region_of[code], "crs": crs}
            for code, crs in sorted(decision("territory.overseas_crs").items())]


def _unknown_codes_error(what: str, codes: list[str], geometry: gpd.GeoDataFrame) -> ValueError:
    return ValueError(f"{what} table has codes absent from the geometry ({len(geometry)} units): {codes}")


def _frame_axes(ax) -> None:
    """A thin grey frame around an axes (insets, Europe), no ticks."""
    ax.set_axis_on()
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#999999")
        spine.set_linewidth(0.5)


def _inset(ax, frame: gpd.GeoDataFrame, classes: pd.Series, colours: list[str], label: str) -> None:
    """A framed, labelled inset with its own scale bar (projected ``frame``)."""
    _paint(ax, frame, classes, colours)
    _fit_limits(ax, frame.total_bounds, 0.08)
    _scale_bar(ax)
    _frame_axes(ax)
    ax.set_title(label, fontsize=_setting("font_size") - 1, pad=2, loc="left")


def france_map(table: pd.DataFrame, column: str, geometry: gpd.GeoDataFrame, *, title: str, unit: str,
               legend_title: str, zero_label: str | None = None, sources: Sequence[str] = (),
               level: str = "departement", classification: Classification | None = None,
               geometry_code: str = "code", name_column: str = "name") -> MapFigure:
    """France by département or région: the metropole in Lambert-93, the five DROM as insets on the left.

    ``table`` is an ``essnum.territory`` table (e.g. ``departement_counts``) whose ``column`` is mapped;
    its ``code`` column holds the INSEE codes found in ``geometry[geometry_code]``: départements
    (``level="departement"``) or régions (``level="region"``). Units without a row are shown as "no
    data"; a code unknown to the geometry is an error. Overseas units are found by their code at that level
    (``territory.overseas_crs`` and the COG); each inset has its own projection, label and scale bar.
    ``title`` and ``unit`` head the map, ``legend_title`` heads the classes, ``zero_label`` (e.g.
    "Aucune organisation") puts zeros in a class of their own, ``sources`` adds lines after the declared
    attributions, ``classification`` imposes breaks (default: fitted with ``maps.scheme``/``classes``).
    """
    if level not in LEVEL_WORDS:
        raise ValueError(f"level must be one of {sorted(LEVEL_WORDS)}, not {level!r}")
    frame, unknown = _join(geometry, geometry_code, table, column, "France")
    if unknown:
        raise _unknown_codes_error("France", unknown, geometry)
    insets = _overseas_insets()
    is_overseas = frame["code"].isin({inset[level] for inset in insets})
    classification, classes, colours = _classed(frame, zero_label, classification)
    lines = _attributions(geometry, table=table, extra=sources)

    map_height = _setting("france_map_height_cm")
    figure, bottom = _canvas(map_height, lines, [_setting("inset_note")])
    _title(figure, title, unit)
    metropole_ax = _axes_cm(figure, 2.9, bottom, 9.0, map_height)
    metropole = frame[~is_overseas].to_crs(decision("territory.metropole_crs"))
    _paint(metropole_ax, metropole, classes[~is_overseas], colours)
    _fit_limits(metropole_ax, metropole.total_bounds, 0.02)
    _scale_bar(metropole_ax)

    top, slot = bottom + map_height, map_height / len(insets)
    for i, inset in enumerate(insets):
        rows = frame[frame["code"] == inset[level]]
        if rows.empty:
            raise ValueError(f"France geometry has no unit {inset[level]!r} ({LEVEL_WORDS[level]} of "
                             f"{inset['departement']}): load it with overseas=True")
        _inset(_axes_cm(figure, 0.15, top - (i + 1) * slot + 0.05, 2.6, slot - 0.45), rows.to_crs(inset["crs"]),
               classes[rows.index], colours, f"{rows[name_column].iloc[0]} ({inset['departement']})")

    legend_height = map_height
    zoom = frame[frame["code"].isin(_setting("zoom_departements"))] if level == "departement" else frame.iloc[:0]
    if len(zoom):
        zoom_height = _setting("zoom_height_cm")
        _inset(_axes_cm(figure, 12.3, top - zoom_height, 3.5, zoom_height - 0.45),
               zoom.to_crs(decision("territory.metropole_crs")), classes[zoom.index], colours, _setting("zoom_label"))
        legend_height -= zoom_height
    _legend(_axes_cm(figure, 12.1, bottom, 3.9, legend_height), _legend_handles(classification, classes, colours),
            legend_title)
    subject = (f"de la France par {LEVEL_WORDS[level]} (métropole en Lambert-93, les cinq départements "
               "d'outre-mer en encarts à gauche)")
    alt = _alt_text(subject, frame, classes, classification, name_column, unit, title, lines)
    return with_data(MapFigure(figure, title, alt, classification, _figure_texts(figure)),
                     _mapped(frame, classes, classification, name_column, column))


def _context(context: gpd.GeoDataFrame, mapped: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Context land in the map projection, without the units already mapped (no doubled coastlines)."""
    land = context.to_crs(mapped.crs)
    inside = land.representative_point().within(mapped.union_all())
    return land[~inside]


def europe_map(table: pd.DataFrame, column: str, geometry: gpd.GeoDataFrame, *, title: str, unit: str,
               legend_title: str, zero_label: str | None = None, sources: Sequence[str] = (),
               context: gpd.GeoDataFrame | None = None, classification: Classification | None = None,
               geometry_code: str = "code", name_column: str = "name") -> MapFigure:
    """Europe in ETRS89-LAEA (``territory.europe_crs``), clipped to ``maps.europe_extent``.

    ``table`` (e.g. ``territory.country_counts``) gives ``column`` per ``code``, matched on
    ``geometry[geometry_code]`` (``"iso_a2"`` for ``reference.countries()``, ``"nuts_id"`` for NUTS).
    Units of ``geometry`` without a row are outside the analysed scope and drawn in the neutral context
    grey, like ``context`` (optional land from another layer, drawn underneath). Codes of the table
    that the geometry lacks (small states missing from a 1:110m layer) are named under the map and in
    the alt text. Other arguments as for ``france_map``.
    """
    crs = decision("territory.europe_crs")
    joined, absent = _join(geometry, geometry_code, table, column, "Europe")
    joined = joined.to_crs(crs)
    in_scope = joined["code"].isin(table["code"].astype("string"))
    frame, outside = joined[in_scope].copy(), joined[~in_scope]
    if geometry_code == "iso_a2":  # country names in the alt text in French (CLDR via Babel)
        french = Locale.parse(_setting("locale")).territories
        frame[name_column] = [french.get(code, name) for code, name in zip(frame["code"], frame[name_column], strict=True)]
    classification, classes, colours = _classed(frame, zero_label, classification)
    lines = _attributions(geometry, *([context] if context is not None else []), table=table, extra=sources)

    missing_note = f"Non représentés (absents du fond de carte) : {', '.join(absent)}." if absent else ""
    map_height = _setting("europe_map_height_cm")
    figure, bottom = _canvas(map_height, lines, [missing_note] if missing_note else [])
    _title(figure, title, unit)
    ax = _axes_cm(figure, 0.15, bottom, 11.6, map_height)
    ax.set_facecolor(_setting("sea_colour"))
    layers = (_context(context, frame) if context is not None else None, outside)
    background = [layer for layer in layers if layer is not None and len(layer)]
    for layer in background:
        layer.plot(ax=ax, color=_setting("context_colour"), edgecolor="white", linewidth=_setting("edge_width"))
    _paint(ax, frame, classes, colours)
    _frame_axes(ax)
    _fit_limits(ax, _setting("europe_extent"), 0)
    _scale_bar(ax)
    handles = _legend_handles(classification, classes, colours)
    if background:
        handles.append(Patch(facecolor=_setting("context_colour"), edgecolor="white", label=_setting("context_label")))
    _legend(_axes_cm(figure, 12.0, bottom, 3.9, map_height), handles, legend_title)
    xmin, ymin, xmax, ymax = _setting("europe_extent")
    shown = frame.cx[xmin:xmax, ymin:ymax]
    alt = _alt_text("de l'Europe (projection ETRS89-LAEA)", shown, classes[shown.index], classification,
                    name_column, unit, title, lines)
    if missing_note:
        alt = f"{alt} {missing_note}"
    return with_data(MapFigure(figure, title, alt, classification, _figure_texts(figure)),
                     _mapped(frame, classes, classification, name_column, column))


def _label_candidates(shape, steps: int = 3) -> list:
    """Points inside ``shape`` where a label may go: its pole of inaccessibility, its representative
    point, then points around the pole (up, down, left, right) still inside the shape."""
    part = max(getattr(shape, "geoms", [shape]), key=lambda p: p.area)
    pole = shapely.ops.polylabel(part, tolerance=part.length / 1000)
    xmin, ymin, xmax, ymax = part.bounds
    around = [shapely.Point(pole.x + dx * (xmax - xmin), pole.y + dy * (ymax - ymin))
              for i in range(1, steps + 1) for dx, dy in ((0, i / 8), (0, -i / 8), (i / 8, 0), (-i / 8, 0))]
    return [pole, shape.representative_point(), *(p for p in around if shape.contains(p))]


def _label_units(ax, frame: gpd.GeoDataFrame, name_column: str, decimals: int) -> list[tuple[str, str]]:
    """Label each unit with its name and value, largest units first, at the first candidate point where
    the label overlaps no other label and stays inside the axes. Units below ``maps.small_unit_share``
    of the total area, or whose name fits nowhere, get their code instead. Returns (code, name) of the
    units labelled by code, for the key."""
    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    frame_box = ax.get_window_extent(renderer)
    placed, keyed = [], []
    style = {"ha": "center", "va": "center", "fontsize": _setting("font_size") - 1,
             "path_effects": [matplotlib.patheffects.withStroke(linewidth=2, foreground="white")]}
    small = frame.area < _setting("small_unit_share") * frame.area.sum()
    for idx in frame.area.sort_values(ascending=False, kind="stable").index:
        code, name, value = frame.at[idx, "code"], frame.at[idx, name_column], frame.at[idx, "value"]
        shown = (_setting("no_data_label") if pd.isna(value) else "0" if value == 0 else format_number(value, decimals))
        labels = [code] if small[idx] else [textwrap.fill(name, _setting("unit_label_chars")), code]
        candidates = _label_candidates(frame.geometry[idx])
        tries = [(label, point) for label in labels for point in candidates]
        for label, point in tries + [(labels[-1], candidates[0])]:  # last resort: the code at the pole
            text = ax.annotate(f"{label}\n{shown}", (point.x, point.y), **style)
            box = text.get_window_extent(renderer)
            inside = frame_box.contains(box.x0, box.y0) and frame_box.contains(box.x1, box.y1)
            if not tries or inside and not any(box.overlaps(other) for other in placed):
                break
            text.remove()
            tries.pop(0)
        placed.append(box)
        if label == code:
            keyed.append((code, name))
    return sorted(keyed)


def _points(ax, points: gpd.GeoDataFrame, crs) -> None:
    """Draw ``points`` (any CRS) in the map's ``crs``: small filled circles with a white edge, under the labels."""
    projected = points.to_crs(crs)
    ax.scatter(projected.geometry.x, projected.geometry.y, s=_setting("point_size"), c=_setting("point_colour"),
               edgecolors="white", linewidths=_setting("point_edge_width"), zorder=2.5)


def _point_handle(label: str) -> Line2D:
    return Line2D([], [], linestyle="none", marker="o", markersize=math.sqrt(_setting("point_size")) + 1,
                  markerfacecolor=_setting("point_colour"), markeredgecolor="white",
                  markeredgewidth=_setting("point_edge_width"), label=label)


def region_map(table: pd.DataFrame, column: str, departements: gpd.GeoDataFrame, region: str, *, title: str,
               unit: str, legend_title: str, zero_label: str | None = None, sources: Sequence[str] = (),
               classification: Classification | None = None, geometry_code: str = "code",
               name_column: str = "name", region_column: str = "region",
               points: gpd.GeoDataFrame | None = None, points_label: str | None = None) -> MapFigure:
    """One région with its départements, each labelled with its name and value where it fits without
    overlapping another label (else, and for tiny départements, with its code, named in a key under the
    legend).

    ``points`` (a GeoDataFrame of point geometries in any CRS, e.g. the région's France Services sites) are
    drawn over the départements in the map's projection, under the labels, with ``points_label`` as their
    legend entry; their declared sources (``attrs["sources"]``, required) add attribution lines, and the alt
    text gives their number.

    ``table`` (e.g. ``territory.departement_counts``) gives ``column`` per département ``code``; rows of
    other régions are ignored, codes unknown to ``departements`` are an error. Metropolitan régions
    are drawn in Lambert-93, overseas régions in the projection of their département
    (``territory.overseas_crs``). Classes are fitted to the région's départements unless
    ``classification`` (e.g. the national breaks, for comparable barometers) is given.
    """
    if region_column not in departements.columns:
        raise KeyError(f"département geometry has no column {region_column!r} (columns: {list(departements.columns)})")
    known = sorted(departements[region_column].dropna().astype("string").unique())
    if region not in known:
        raise ValueError(f"unknown région code {region!r}; valid codes: {', '.join(known)}")
    frame, unknown = _join(departements, geometry_code, table, column, "Département")
    if unknown:
        raise _unknown_codes_error("Département", unknown, departements)
    overseas = {inset["region"]: inset["crs"] for inset in _overseas_insets()}
    frame = frame[frame[region_column] == region].to_crs(overseas.get(region, decision("territory.metropole_crs")))
    classification, classes, colours = _classed(frame, zero_label, classification)
    if points is not None:
        if not points_label:
            raise ValueError("a points layer needs its legend label (points_label)")
        if not points.attrs.get("sources"):
            raise ValueError("points carry no declared sources (attrs['sources']): name the dataset they come from")
        if len(points) and not (points.geom_type == "Point").all():
            raise ValueError(f"points layer holds non-point geometries: {sorted(set(points.geom_type))}")
    lines = _attributions(departements, *([points] if points is not None else []), table=table, extra=sources)

    map_height = _setting("region_map_height_cm")
    figure, bottom = _canvas(map_height, lines)
    _title(figure, title, unit)
    ax = _axes_cm(figure, 0.15, bottom, 11.6, map_height)
    _paint(ax, frame, classes, colours)
    _fit_limits(ax, frame.total_bounds, 0.05)
    _scale_bar(ax)
    if points is not None and len(points):
        _points(ax, points, frame.crs)
    keyed = _label_units(ax, frame, name_column, classification.decimals)
    legend_ax = _axes_cm(figure, 12.0, bottom, 3.9, map_height)
    handles = _legend_handles(classification, classes, colours)
    if points is not None:
        handles.insert(0, _point_handle(points_label))
    _legend(legend_ax, handles, legend_title)
    if keyed:  # units labelled by their code on the map are named here
        legend_ax.text(0, 0, "\n".join(f"{code} : {name}" for code, name in keyed), transform=legend_ax.transAxes,
                       ha="left", va="bottom", fontsize=_setting("font_size") - 1, color="#333333")
    alt = _alt_text(f"de la région {region} par département", frame, classes, classification, name_column,
                    unit, title, lines)
    if points is not None:
        alt = f"{alt} Points : {format_number(len(points))} ({points_label})."
    return with_data(MapFigure(figure, title, alt, classification, _figure_texts(figure)),
                     _mapped(frame, classes, classification, name_column, column))
