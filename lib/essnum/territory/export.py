"""The files of ``essnum territory``: the placement, every territorial table (CSV and GeoPackage layers) and
``summary.json``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from essnum.config import decision
from essnum.data import reference

from .indicators import (
    commune_counts,
    concentration,
    country_counts,
    departement_counts,
    distance_to_support,
    families_of,
    location_quotients,
    nuts_counts,
    region_counts,
)
from .placement import HarmonisationError, Placement, commune_table, place


def read_commune_points(path: str | Path) -> pd.DataFrame:
    """A commune-points table (CSV with code, longitude, latitude; codes kept as strings)."""
    frame = pd.read_csv(path, dtype={"code": "string"})
    missing = {"code", "longitude", "latitude"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: commune points need columns code, longitude, latitude; missing {sorted(missing)}")
    unknown = sorted(set(frame["code"]) - set(commune_table().index))
    if unknown:
        raise HarmonisationError(f"{path}: {len(unknown)} commune code(s) not in the INSEE list: {', '.join(unknown)}")
    return frame


def write_outputs(placement: Placement, out_dir: str | Path, commune_points: pd.DataFrame | None = None,
                  strict: bool = False, progress: bool = True, notes: dict | None = None,
                  rejected: int = 0) -> list[Path]:
    """Write the placement and every territorial table of ``placement`` into ``out_dir``.

    Always: ``organisations.csv`` (every row read, with its placement) and ``unplaced.csv`` (rows not
    placed, with status and reason). With ``strict`` the harmonisation gate runs then
    (``HarmonisationError`` listing every unmatched, ambiguous or conflicting value); otherwise they stay
    in ``unplaced.csv`` as warnings. The tables follow: ``communes.csv``; ``departements.csv`` (with the
    distance to support), ``regions.csv``, ``nuts1/2/3.csv``, ``countries.csv``, each also a layer of
    ``territory.gpkg`` (France in EPSG:4326, Europe in ``territory.europe_crs``);
    ``location_quotients_{departements,regions}.csv``, ``concentration.csv``, ``summary.json`` (counts,
    centre method, attribution lines, plus ``notes``); its counts are the file's rows: ``rejected`` rows
    set aside by the atlas check before placement, then every placement status.
    """
    import json

    from tqdm import tqdm

    from essnum.data.sources import attribution
    from essnum.paths import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def csv(frame: pd.DataFrame, name: str) -> None:
        with atomic_write(out / name, "w") as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(out / name)

    csv(placement.organisations, "organisations.csv")
    csv(placement.unplaced, "unplaced.csv")
    if strict:
        placement.check()

    gpkg = out / "territory.gpkg"
    gpkg.unlink(missing_ok=True)
    europe_crs = decision("territory.europe_crs")
    families = families_of(placement)
    steps = ["communes", "departements", "regions", "nuts", "countries", "summary"]
    tables: dict[str, pd.DataFrame] = {}
    for step in tqdm(steps, desc="territory tables", unit="table", disable=not progress, leave=False):
        if step == "communes":
            csv(commune_counts(placement), "communes.csv")
        elif step == "departements":
            table = departement_counts(placement).merge(
                distance_to_support(placement, commune_points).drop(columns=["lon", "lat"]), on="code", how="left")
            tables["departements"] = table
            csv(table, "departements.csv")
            csv(location_quotients(table, families), "location_quotients_departements.csv")
            _layer(reference.departements(overseas=True)[["code", "geometry"]], table, gpkg, "departements")
        elif step == "regions":
            table = region_counts(placement)
            tables["regions"] = table
            csv(table, "regions.csv")
            csv(location_quotients(table, families), "location_quotients_regions.csv")
            _layer(reference.regions(overseas=True)[["code", "geometry"]], table, gpkg, "regions")
        elif step == "nuts":
            for level in (1, 2, 3):
                table = nuts_counts(placement, level)
                csv(table, f"nuts{level}.csv")
                shapes = reference.nuts(level, crs=europe_crs)[["nuts_id", "geometry"]].rename(columns={"nuts_id": "code"})
                _layer(shapes, table, gpkg, f"nuts{level}")
        elif step == "countries":
            table = country_counts(placement)
            csv(table, "countries.csv")
            shapes = reference.countries().to_crs(europe_crs)
            _layer(shapes[shapes["iso_a2"].notna()][["iso_a2", "geometry"]].rename(columns={"iso_a2": "code"}),
                   table, gpkg, "countries")
        else:
            rows = [{"units": name, **concentration(tables[name])} for name in ("regions", "departements")]
            csv(pd.DataFrame(rows), "concentration.csv")
            summary = {
                "source_file": placement.source_file, "counts": _file_counts(placement, rejected),
                "centre_method": sorted(set(tables["departements"]["centre_method"])),
                "attribution_france": attribution("france-departements-overseas", "insee-communes"),
                "attribution_europe": attribution("nuts-2021-20m-level-3", "naturalearth-countries"),
                "country_population_year": int(reference.countries()["pop_year"].iloc[0]),
                "support_families": decision("territory.support_families"),
                **(notes or {}),
            }
            with atomic_write(out / "summary.json", "w") as handle:
                json.dump(summary, handle, indent=1, ensure_ascii=False, sort_keys=True)
            written.append(out / "summary.json")
    written.append(gpkg)
    return written


def _layer(shapes: gpd.GeoDataFrame, table: pd.DataFrame, gpkg: Path, layer: str) -> None:
    """Write ``table`` joined to its unit geometries as one GeoPackage layer."""
    frame = shapes.merge(table, on="code", how="inner").sort_values("code")
    frame.to_file(gpkg, layer=layer, driver="GPKG")


def build_territory(atlas_directory: str | Path | None, out_dir: str | Path,
                    commune_points: str | Path | None = None, strict: bool = False,
                    progress: bool = True) -> tuple[Placement, list[Path]]:
    """``essnum territory``: load an atlas folder (the embedded one by default), place, write outputs."""
    from essnum.data.atlas import load_atlas

    return territory_of_atlas(load_atlas(atlas_directory), out_dir, commune_points, strict, progress)


def territory_of_atlas(atlas, out_dir: str | Path, commune_points: str | Path | None = None, strict: bool = False,
                       progress: bool = True) -> tuple[Placement, list[Path]]:
    """:func:`build_territory` for an atlas already loaded (``essnum.data.atlas.Atlas``, its report read too)."""
    source_file = Path(atlas.directory) / "organisations.csv"
    placement = place(atlas.organisations, source_file)
    points = read_commune_points(commune_points) if commune_points else None
    rejected = atlas.rejected.get("organisations")
    notes = {"commune_points": str(commune_points) if commune_points else None}
    return placement, write_outputs(placement, out_dir, points, strict, progress, notes,
                                    rejected=0 if rejected is None else len(rejected))


def _file_counts(placement: Placement, rejected: int) -> dict[str, int]:
    """read (rows of the file) = rejected by the atlas check + every placement status."""
    counts = placement.counts()
    return {"read": counts["read"] + rejected, "rejected by the atlas check": rejected,
            **{k: v for k, v in counts.items() if k != "read"}}
