"""Support places (France Services sites, mediation places, conseillers numériques hosts) placed in
commune → département → région, with the evidence used for each.

A place is located by the strongest evidence it carries, in this order:

1. ``commune`` — an INSEE commune code in force; an arrondissement municipal or a commune déléguée or
   associée rolls up to its commune; a former code goes to the commune that holds it now through the
   COG's changes since 1943 (``reference.commune_changes``); a code that lost its leading zero in a
   spreadsheet (``1001``) gets it back;
2. ``latitude``/``longitude`` — the commune whose polygon holds the point (IGN 2018 outlines dissolved to
   the communes in force; a point at most ``territory.coordinate_snap_km`` off a simplified coast goes
   to the nearest commune);
3. ``postal_code`` — when it serves one commune only, or one whose name matches the ``city`` given.

When the commune code and the coordinates disagree by more than ``places.conflict_km`` (distance from
the point to the commune's polygon), the place is a *conflict*: not placed, both reasons given. Nothing
is guessed and nothing is dropped: every row read comes out with a ``status`` (placed, unplaced,
conflict), a ``method`` and a ``reason``; read = placed + unplaced + conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from essnum.config import decision
from essnum.data import reference

from .placement import points_in_polygons, projected_crs

#: Columns added to a table of places by :func:`locate_places`.
LOCATION_COLUMNS = ["commune", "commune_name", "departement", "region", "method", "status", "reason"]
STATUSES = ("placed", "unplaced", "conflict")


@dataclass
class PlacedPlaces:
    """The places of one file, each with its location; ``rejected`` holds the rows the loader refused."""

    places: pd.DataFrame
    source_file: str
    rejected: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Rows read = rejected (by the loader; a row failing several checks counts once) + placed +
        unplaced + conflict."""
        status = self.places["status"].value_counts()
        rejected = len(self.rejected[["file", "row"]].drop_duplicates()) if len(self.rejected) else 0
        counts = {"read": len(self.places) + rejected, "rejected": rejected}
        counts.update({s: int(status.get(s, 0)) for s in STATUSES})
        assert counts["read"] == counts["rejected"] + sum(counts[s] for s in STATUSES)
        return counts

    @property
    def unplaced(self) -> pd.DataFrame:
        return self.places[self.places["status"] != "placed"]


# --- the commune frame ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _code_index() -> pd.DataFrame:
    """Every code a place may carry → the commune in force: code, current, how."""
    cog = reference.cog_communes()
    communes = cog[cog["kind"] == "COM"]
    rows = [pd.DataFrame({"code": communes["code"], "current": communes["code"], "how": "commune code"})]
    parts = cog[cog["kind"] != "COM"].dropna(subset=["parent"])
    parts = parts[~parts["code"].isin(communes["code"])]
    kind_words = {"ARM": "arrondissement municipal", "COMD": "commune déléguée", "COMA": "commune associée"}
    rows.append(pd.DataFrame({"code": parts["code"], "current": parts["parent"],
                              "how": "commune code (" + parts["kind"].map(kind_words) + " of its commune)"}))
    changes = reference.commune_changes()
    single = changes.dropna(subset=["current"]).groupby("code").filter(lambda g: len(g) == 1)
    single = single[~single["code"].isin(communes["code"]) & ~single["code"].isin(parts["code"])]
    rows.append(pd.DataFrame({"code": single["code"], "current": single["current"],
                              "how": "former commune code (COG changes, " + single["date"].fillna("") + ")"}))
    return pd.concat(rows, ignore_index=True).drop_duplicates("code").set_index("code")


@lru_cache(maxsize=1)
def _split_codes() -> frozenset[str]:
    """Former codes whose territory is now in several communes (a code alone cannot say which)."""
    changes = reference.commune_changes()
    return frozenset(changes.loc[changes["split"], "code"])


@lru_cache(maxsize=1)
def _postal_index() -> pd.DataFrame:
    """Postal code → communes in force (arrondissements and former codes rolled up), with their names."""
    pairs = reference.postal_codes()
    index = _code_index()
    pairs = pairs.assign(current=pairs["commune"].map(index["current"])).dropna(subset=["current"])
    names = _communes()["name"]
    pairs = pairs.drop_duplicates(["postal_code", "current"])
    return pairs.assign(key=pairs["current"].map(names).map(reference.normalise_name))[["postal_code", "current", "key"]]


@lru_cache(maxsize=1)
def _communes() -> pd.DataFrame:
    """Communes in force, indexed by code: name, departement, region."""
    cog = reference.cog_communes()
    return cog[cog["kind"] == "COM"].set_index("code")[["name", "departement", "region"]]


# --- evidence ----------------------------------------------------------------------------------------

def _clean(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper()
    return text.where(text.notna() & (text != ""))


def _by_code(codes: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(commune in force or NA, method, problem) for each code given."""
    index = _code_index()
    restored = codes.where(~codes.fillna("").str.fullmatch(r"\d{4}"), "0" + codes)
    current = restored.map(index["current"])
    how = restored.map(index["how"])
    how = how.where(codes == restored, how + ", leading zero restored")
    problem = pd.Series(pd.NA, index=codes.index, dtype="string")
    given = codes.notna() & current.isna()
    split = given & restored.isin(_split_codes())
    problem[split] = "commune code " + codes[split] + " is a former commune now divided between several communes"
    problem[given & ~split] = "commune code " + codes[given & ~split] + " is not an INSEE commune code (COG 2026 or earlier)"
    return current.astype("string"), how.astype("string"), problem


def _by_point(lon: pd.Series, lat: pd.Series, shapes) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(commune holding the point or NA, method, problem) for rows with coordinates."""
    current = pd.Series(pd.NA, index=lon.index, dtype="string")
    how = pd.Series(pd.NA, index=lon.index, dtype="string")
    problem = pd.Series(pd.NA, index=lon.index, dtype="string")
    has = lon.notna() & lat.notna()
    if not has.any():
        return current, how, problem
    x, y = lon[has].to_numpy(float), lat[has].to_numpy(float)
    found = points_in_polygons(x, y, shapes.geometry.values)
    codes = np.asarray(shapes["code"], dtype=object)
    result = np.where(found >= 0, codes[np.maximum(found, 0)], None)
    method = np.where(found >= 0, "coordinates", None).astype(object)
    outside = np.nonzero(found < 0)[0]
    if len(outside):
        tree = shapely.STRtree(np.asarray(shapes.geometry.to_crs("EPSG:3857").values))
        import geopandas as gpd

        points = gpd.GeoSeries(gpd.points_from_xy(x[outside], y[outside]), crs="EPSG:4326").to_crs("EPSG:3857")
        (which, nearest), distance = tree.query_nearest(np.asarray(points.values), return_distance=True)
        km = np.full(len(outside), np.inf)
        best = np.full(len(outside), -1)
        km[which] = distance * np.cos(np.radians(y[outside][which])) / 1000  # Mercator scale factor
        best[which] = nearest
        near = km <= decision("territory.coordinate_snap_km")
        result[outside[near]] = codes[best[near]]
        method[outside[near]] = [f"coordinates (nearest commune, {k:.1f} km off the simplified outline)" for k in km[near]]
        far = outside[~near]
        rows = lon[has].index[far]
        problem[rows] = [f"coordinates ({a:.5f}, {b:.5f}) are in no French commune" for a, b in zip(x[far], y[far])]
    current[has] = pd.array(result, dtype="string")
    how[has] = pd.array(method, dtype="string")
    return current, how, problem


def _by_postal_code(postal: pd.Series, city: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(commune or NA, method, problem): a postal code serving one commune, or one whose name is ``city``."""
    index = _postal_index()
    groups = index.groupby("postal_code")
    current = pd.Series(pd.NA, index=postal.index, dtype="string")
    how = pd.Series(pd.NA, index=postal.index, dtype="string")
    problem = pd.Series(pd.NA, index=postal.index, dtype="string")
    keys = city.map(lambda c: reference.normalise_name(c) if isinstance(c, str) and c.strip() else None)
    names = _communes()["name"]
    for row in postal.dropna().index:
        code = postal[row]
        if code not in groups.groups:
            problem[row] = f"postal code {code} is in no La Poste list of communes (a CEDEX or company code?)"
            if code in names.index:
                problem[row] += f"; it is the INSEE code of {names[code]}: a commune code in the postal code field?"
            continue
        candidates = groups.get_group(code)
        if len(candidates) == 1:
            current[row], how[row] = candidates["current"].iloc[0], "postal code"
            continue
        match = candidates[candidates["key"] == keys[row]] if keys[row] else candidates.iloc[0:0]
        if len(match) == 1:
            current[row], how[row] = match["current"].iloc[0], "postal code and city name"
        else:
            problem[row] = f"postal code {code} serves {len(candidates)} communes and the city does not say which"
    return current, how, problem


def _distance_to_commune_km(lon: pd.Series, lat: pd.Series, communes: pd.Series, shapes) -> pd.Series:
    """Straight-line distance (km) from each point to the outline of the commune named for it (the nearest
    of its outlines when a merger gave it several), in the projected CRS of the commune's territory."""
    import geopandas as gpd

    pairs = pd.DataFrame({"row": communes.index, "code": communes.to_numpy()}).merge(
        pd.DataFrame({"code": shapes["code"].to_numpy(), "shape": range(len(shapes))}), on="code")
    pairs["crs"] = pairs["code"].map(_communes()["departement"]).map(projected_crs)
    out = pd.Series(np.nan, index=lon.index)
    for crs, group in pairs.groupby("crs"):
        points = gpd.GeoSeries(gpd.points_from_xy(lon[group["row"]], lat[group["row"]]), crs="EPSG:4326").to_crs(crs)
        outlines = gpd.GeoSeries(shapes.geometry.iloc[group["shape"].to_numpy()].values, crs=shapes.crs).to_crs(crs)
        km = pd.Series(points.distance(outlines, align=False).to_numpy() / 1000, index=group["row"].to_numpy())
        best = km.groupby(level=0).min()
        out[best.index] = best.to_numpy()
    return out


# --- placement ---------------------------------------------------------------------------------------

def locate_places(frame: pd.DataFrame, shapes=None) -> pd.DataFrame:
    """``frame`` (columns commune, postal_code, city, latitude, longitude; any may be missing) with the
    :data:`LOCATION_COLUMNS` added. ``shapes``: commune polygons (code, geometry), by default
    ``reference.commune_shapes()``."""
    shapes = reference.commune_shapes() if shapes is None else shapes

    def column(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(pd.NA, index=frame.index)

    codes = _clean(column("commune"))
    postal = _clean(column("postal_code")).str.replace(r"\s+", "", regex=True)
    postal = postal.where(postal.fillna("").str.fullmatch(r"\d{5}"))
    lon = pd.to_numeric(column("longitude"), errors="coerce")
    lat = pd.to_numeric(column("latitude"), errors="coerce")

    by_code, code_how, code_problem = _by_code(codes)
    by_point, point_how, point_problem = _by_point(lon, lat, shapes)
    need_postal = by_code.isna() & by_point.isna()
    by_postal, postal_how, postal_problem = _by_postal_code(postal.where(need_postal), column("city"))

    out = frame.copy()
    commune = by_code.fillna(by_point).fillna(by_postal)
    method = code_how.where(by_code.notna(), point_how.where(by_point.notna(), postal_how))
    status = pd.Series(np.where(commune.notna(), "placed", "unplaced"), index=frame.index, dtype="string")
    reasons = pd.concat([code_problem, point_problem, postal_problem], axis=1)
    reason = reasons.apply(lambda r: "; ".join(v for v in r if isinstance(v, str)), axis=1).astype("string")
    nothing = codes.isna() & (lon.isna() | lat.isna()) & postal.isna()
    reason[nothing] = "no commune code, coordinates or postal code"
    # the code and the point disagree: how far is the point from the commune its code names?
    differ = by_code.notna() & by_point.notna() & (by_code != by_point)
    conflicts: dict = {}
    if differ.any():
        km = _distance_to_commune_km(lon[differ], lat[differ], by_code[differ], shapes)
        limit = decision("places.conflict_km")
        names = _communes()["name"]
        for row in km.index:
            text = (f"commune code {codes[row]} ({names.get(by_code[row], '?')}) but coordinates in "
                    f"{by_point[row]} ({names.get(by_point[row], '?')}), {km[row]:.1f} km from it")
            if km[row] > limit:
                status[row], commune[row], method[row] = "conflict", pd.NA, pd.NA
                conflicts[row] = (by_code[row], by_point[row])
                reason[row] = text + f" (more than {limit} km: which is right?)"
            else:
                reason[row] = text + f" (within {limit} km: the code is kept)"
    communes = _communes()
    out["commune"] = commune
    out["commune_name"] = commune.map(communes["name"]).astype("string")
    out["departement"] = commune.map(communes["departement"]).astype("string")
    out["region"] = commune.map(communes["region"]).astype("string")
    for row, (a, b) in conflicts.items():  # the commune is in doubt, not the units both candidates share
        for level in ("departement", "region"):
            if communes.at[a, level] == communes.at[b, level]:
                out.at[row, level] = communes.at[a, level]
    out["method"] = method.astype("string")
    out["status"] = status
    out["reason"] = reason.where(reason != "").astype("string")
    return out


def place_places(frame: pd.DataFrame, source_file: str, shapes=None) -> PlacedPlaces:
    """A loader's table of places (``attrs["rejected"]``: the rows it refused) located in communes."""
    rejected = frame.attrs.get("rejected")
    rejected = rejected if isinstance(rejected, pd.DataFrame) else pd.DataFrame(columns=["file", "row", "field", "reason"])
    frame = frame.copy()
    if "source" not in frame.columns or frame["source"].isna().all():
        frame["source"] = Path(str(source_file)).name  # a file of one publisher: the file names the source
    placed = PlacedPlaces(locate_places(frame, shapes), str(source_file), rejected)
    loaded = frame.attrs.get("counts")
    if isinstance(loaded, dict) and loaded.get("read") != placed.counts()["read"]:
        raise ValueError(f"{source_file}: the loader read {loaded['read']} rows but {placed.counts()['read']} "
                         "are accounted for")
    return placed


def unit_counts(placed: pd.DataFrame, level: str) -> pd.DataFrame:
    """Places per département or région (all units, zeros included): code, name, places, one column per
    kind when there are several, population, per_100000 (``territory.per_inhabitants``), rank (1 = densest).
    A place counts in a unit when its unit is known: placed, or a conflict whose two candidate communes lie
    in the same unit."""
    per = decision("territory.per_inhabitants")
    units = (reference.departement_populations() if level == "departement" else reference.region_populations())
    table = units[["code", "name", "population"]].copy()
    located = placed[placed[level].notna()]  # placed, or a conflict whose two communes share the unit
    table["places"] = table["code"].map(located[level].value_counts()).fillna(0).astype("int64")
    if "kind" in located.columns and located["kind"].nunique() > 1:
        for kind, count in located.groupby("kind")[level].value_counts().unstack(0, fill_value=0).items():
            table[f"places_{_slug(kind)}"] = table["code"].map(count).fillna(0).astype("int64")
    table[f"per_{per}"] = table["places"] / table["population"] * per
    table["rank"] = table[f"per_{per}"].rank(ascending=False, method="min").astype("int64")
    table.attrs["sources"] = [*placed.attrs.get("sources", []), *units.attrs.get("sources", [])]
    return table


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


#: Columns of ``places.csv``: what a place is and where; never a contact column (e-mail, phone, person).
PUBLISHED_COLUMNS = ["id", "name", "kind", "source", "date", "commune", "commune_name", "departement", "region",
                     "method", "status", "reason"]


def write_places(placed: PlacedPlaces, out_dir) -> list:
    """``essnum places``: write ``places.csv`` (every place read and kept, with its location),
    ``unplaced.csv`` (unplaced and conflicts, with the reason), ``rejected.csv`` (rows the loader refused,
    with file, row, field and reason), ``departements.csv`` and ``regions.csv`` (:func:`unit_counts`) and
    ``summary.json`` (counts that reconcile, methods used, sources)."""
    import json

    from essnum.data.sources import attribution
    from essnum.paths import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def csv(frame: pd.DataFrame, name: str) -> None:
        with atomic_write(out / name, "w") as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(out / name)

    table = placed.places[[c for c in PUBLISHED_COLUMNS if c in placed.places.columns]]
    csv(table, "places.csv")
    csv(table[table["status"] != "placed"], "unplaced.csv")
    csv(placed.rejected, "rejected.csv")
    for level, name in (("departement", "departements.csv"), ("region", "regions.csv")):
        csv(unit_counts(placed.places, level), name)
    sources = sorted({*placed.places.attrs.get("sources", []), "insee-cog-communes", "france-communes"})
    summary = {"source_file": placed.source_file, "counts": placed.counts(),
               "methods": {str(k): int(v) for k, v in placed.places["method"].value_counts().sort_index().items()},
               "sources": sources, "attribution": attribution(*sources)}
    with atomic_write(out / "summary.json", "w") as handle:
        json.dump(summary, handle, indent=1, ensure_ascii=False, sort_keys=True)
    written.append(out / "summary.json")
    return written
