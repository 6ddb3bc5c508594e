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

When the commune code and the coordinates disagree by more than ``territory.evidence_conflict_km`` (distance from
the point to the commune's polygon), the place is a *conflict*: not placed, both reasons given. Nothing
is guessed and nothing is dropped: every row read comes out with a ``status`` (placed, unplaced,
conflict), a ``method`` and a ``reason``; read = placed + unplaced + conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from essnum.config import decision
from essnum.data import reference

from .communes import by_code, by_point, by_postal_code, clean_codes, communes_in_force, point_against_commune

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


# --- placement ---------------------------------------------------------------------------------------

def locate_places(frame: pd.DataFrame, shapes=None) -> pd.DataFrame:
    """``frame`` (columns commune, postal_code, city, latitude, longitude; any may be missing) with the
    :data:`LOCATION_COLUMNS` added. ``shapes``: commune polygons (code, geometry), by default
    ``reference.commune_shapes()``."""
    shapes = reference.commune_shapes() if shapes is None else shapes

    def column(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(pd.NA, index=frame.index)

    codes = clean_codes(column("commune"))
    postal = clean_codes(column("postal_code")).str.replace(r"\s+", "", regex=True)
    postal = postal.where(postal.fillna("").str.fullmatch(r"\d{5}"))
    lon = pd.to_numeric(column("longitude"), errors="coerce")
    lat = pd.to_numeric(column("latitude"), errors="coerce")

    code_commune, code_how, code_problem = by_code(codes)
    point_commune, point_how, point_problem = by_point(lon, lat, shapes)
    need_postal = code_commune.isna() & point_commune.isna()
    postal_commune, postal_how, postal_problem = by_postal_code(postal.where(need_postal), column("city"))

    out = frame.copy()
    commune = code_commune.fillna(point_commune).fillna(postal_commune)
    method = code_how.where(code_commune.notna(), point_how.where(point_commune.notna(), postal_how))
    status = pd.Series(np.where(commune.notna(), "placed", "unplaced"), index=frame.index, dtype="string")
    reasons = pd.concat([code_problem, point_problem, postal_problem], axis=1)
    reason = reasons.apply(lambda r: "; ".join(v for v in r if isinstance(v, str)), axis=1).astype("string")
    nothing = codes.isna() & (lon.isna() | lat.isna()) & postal.isna()
    reason[nothing] = "no commune code, coordinates or postal code"
    # the code and the point disagree: how far is the point from the commune its code names?
    differ = code_commune.notna() & point_commune.notna() & (code_commune != point_commune)
    conflicts: dict = {}
    if differ.any():
        checked = point_against_commune(lon[differ], lat[differ], code_commune[differ], shapes, kept="the code")
        names = communes_in_force()["name"]
        for row, km, conflict, verdict in checked.itertuples():
            text = (f"commune code {codes[row]} ({names.get(code_commune[row], '?')}) but coordinates in "
                    f"{point_commune[row]} ({names.get(point_commune[row], '?')}), {km:.1f} km from it")
            if conflict:
                status[row], commune[row], method[row] = "conflict", pd.NA, pd.NA
                conflicts[row] = (code_commune[row], point_commune[row])
            reason[row] = text + verdict
    communes = communes_in_force()
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
