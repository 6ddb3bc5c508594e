"""Getters of the digital-support offer: France Services sites, conseillers numériques hosts, mediation
places in the national schema, and a candidate register of ESS organisations with a digital activity.

Every getter reads through ``essnum.data.sources.fetch`` and returns a DataFrame with string codes,
validated row by row. A row that fails a check is not returned: it is kept in ``frame.attrs["rejected"]``
(columns file, row, field, reason; one line per failed check, so a row can appear more than once) and
``frame.attrs["counts"]`` reconciles ``read = kept + rejected`` (rows). Checks that do not reject a row
(a value outside the schema's vocabulary, a département that contradicts the commune) are listed in
``frame.attrs["warnings"]`` with the same columns. ``frame.attrs["sources"]`` names the sources read,
``frame.attrs["checked_against"]`` the reference sources the rows were validated against.

``row`` is the line of the file for a CSV (the header is row 1, the first record row 2) and the position
in the array, from 1, for a JSON file.

Contact columns (e-mails, telephone numbers, named people, web sites, booking or contact forms) are
dropped at load and never returned: the files publish them, essnum does not reprint them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import reference
from .sources import ReferenceDataError, attribution, fetch

REJECTED_COLUMNS = ["file", "row", "field", "reason"]
#: Reference sources the rows are validated against (``attrs["checked_against"]``): commune codes, départements,
#: the outlines that give France's bounding boxes.
CHECKED_AGAINST = ("insee-cog-communes", "insee-cog-mouvements", "insee-cog-departements",
                   "france-departements-overseas")
SNAPSHOTS = {"2024-08-01": "anct-france-services-2024-08-01", "2022-12-01": "anct-france-services-2022-12-01"}
_SIRET = re.compile(r"^\d{14}$")
_SIREN = re.compile(r"^\d{9}$")
#: Overseas collectivities (Saint-Pierre-et-Miquelon 975, Saint-Barthélemy 977, Saint-Martin 978, 98x):
#: not among the 101 départements of the reference data.
_COLLECTIVITY = re.compile(r"^(?:975|977|978|98\d)")
_NULL_MARKERS = {"null", "0null", "none", "nan", "n/a"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


class SupportDataError(ReferenceDataError):
    """A support-offer file cannot be read at all (layout, encoding, required column): names file, row, field."""


# --- shared checks ---------------------------------------------------------------------------------

class RowReport(pd.DataFrame):
    """The rejected rows (or warnings) of a getter: file, row, field, reason.

    A DataFrame compared as a whole (``a == b`` is ``a.equals(b)``, a bool): pandas compares the ``attrs``
    of frames it concatenates, merges or converts, and an element-wise comparison of two tables held in
    ``attrs`` would raise "truth value of a DataFrame is ambiguous" there.
    """

    @property
    def _constructor(self):
        return RowReport

    def __eq__(self, other):
        return isinstance(other, pd.DataFrame) and self.equals(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None


class _Checks:
    """Collects rejections and warnings of one file, row by row."""

    def __init__(self, file: Path | str, rows: pd.Series):
        self.file, self.rows = str(file), rows
        self.rejected: list[tuple[str, int, str, str]] = []
        self.warnings: list[tuple[str, int, str, str]] = []
        self.bad = pd.Series(False, index=rows.index)

    def reject(self, mask: pd.Series, field: str, reason) -> None:
        """Reject the rows of ``mask``; ``reason`` is a string or a Series of strings (per row)."""
        mask = mask.fillna(False).astype(bool)
        for index in mask.index[mask]:
            text = reason if isinstance(reason, str) else reason.loc[index]
            self.rejected.append((self.file, int(self.rows.loc[index]), field, text))
        self.bad |= mask

    def warn(self, mask: pd.Series, field: str, reason) -> None:
        mask = mask.fillna(False).astype(bool)
        for index in mask.index[mask]:
            text = reason if isinstance(reason, str) else reason.loc[index]
            self.warnings.append((self.file, int(self.rows.loc[index]), field, text))

    def finish(self, frame: pd.DataFrame, *sources: str) -> pd.DataFrame:
        kept = frame[~self.bad.reindex(frame.index, fill_value=False)].reset_index(drop=True)
        order = {"by": ["row", "field"], "ignore_index": True}
        rejected = RowReport(self.rejected, columns=REJECTED_COLUMNS).sort_values(**order)
        read = len(self.rows)
        counts = {"read": read, "kept": len(kept), "rejected": int(self.bad.sum())}
        if counts["kept"] + counts["rejected"] != read:  # cannot happen: kept is the complement of bad
            raise AssertionError(f"{self.file}: counts do not reconcile: {counts}")
        kept.attrs.update({
            "sources": list(sources), "attribution": attribution(*sources), "checked_against": list(CHECKED_AGAINST),
            "counts": counts, "rejected": rejected,
            "warnings": RowReport(self.warnings, columns=REJECTED_COLUMNS).sort_values(**order),
        })
        return kept


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def _text(values: pd.Series) -> pd.Series:
    """Trimmed strings, NA for blanks."""
    values = values.astype("string").str.strip()
    return values.mask(values == "")


@lru_cache(maxsize=1)
def _commune_register() -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
    """(codes in the COG of any kind, département of each, former codes whose commune left the COG)."""
    cog = reference._cog_communes()
    changes = reference._commune_changes()
    departement = dict(zip(cog["code"], cog["departement"]))
    gone = frozenset(changes.loc[changes["current"].isna(), "code"])
    known = frozenset(cog["code"]) | frozenset(changes.loc[changes["current"].notna(), "code"])
    return known, departement, gone


def _check_communes(checks: _Checks, codes: pd.Series, field: str) -> None:
    """Blank codes pass (the caller decides); others must be well formed and in the COG (current or former)."""
    known, _, gone = _commune_register()
    given = ~_blank(codes)
    text = codes.astype("string").str.strip()
    malformed = given & ~text.str.match(reference.COMMUNE_CODE).fillna(False)
    checks.reject(malformed, field,
                  "malformed commune code: " + text.fillna("") + " (5 characters, e.g. 01001, 2A004, 97411)")
    outside = given & ~malformed & text.str.match(_COLLECTIVITY).fillna(False) & ~text.isin(known)
    checks.reject(outside, field, "commune " + text.fillna("") + " is in an overseas collectivity (975, 977, 978, "
                  "98x), outside the 101 départements covered")
    left = given & ~malformed & ~outside & text.isin(gone)
    checks.reject(left, field, "commune code " + text.fillna("") + " left the COG (no commune in force)")
    unknown = given & ~malformed & ~outside & ~left & ~text.isin(known)
    checks.reject(unknown, field,
                  "unknown commune code: " + text.fillna("") + " (not in the COG 2026, current or former)")


def _check_postal(checks: _Checks, codes: pd.Series, field: str) -> None:
    text = codes.astype("string").str.strip()
    checks.reject(~_blank(codes) & ~text.str.match(reference.POSTAL_CODE).fillna(False), field,
                  "malformed postal code: " + text.fillna("") + " (5 digits)")


@lru_cache(maxsize=1)
def france_boxes() -> dict[str, tuple[float, float, float, float]]:
    """Bounding boxes (lon_min, lat_min, lon_max, lat_max) of the metropole and of the five DROM (971–974,
    976): the extent of the IGN 2018 département polygons widened by ``territory.coordinate_snap_km``."""
    from essnum.config import decision

    deps = reference.departements(overseas=True)
    margin = float(decision("territory.coordinate_snap_km"))
    parts = {"metropole": deps[deps["code"].str.len() == 2]}
    parts.update({code: deps[deps["code"] == code] for code in ("971", "972", "973", "974", "976")})
    boxes = {}
    for name, part in parts.items():
        west, south, east, north = part.total_bounds
        dlat = margin / 111.32
        dlon = margin / (111.32 * math.cos(math.radians((south + north) / 2)))
        boxes[name] = (west - dlon, south - dlat, east + dlon, north + dlat)
    return boxes


def _in_france(lon: pd.Series, lat: pd.Series) -> pd.Series:
    inside = pd.Series(False, index=lon.index)
    for west, south, east, north in france_boxes().values():
        inside |= lon.between(west, east) & lat.between(south, north)
    return inside


def _coordinates(checks: _Checks, lat: pd.Series, lon: pd.Series, lat_field: str,
                 lon_field: str) -> tuple[pd.Series, pd.Series]:
    """Numeric WGS84 coordinates (NaN when both are blank); non-numeric, half-given or outside France rejected."""
    values = {}
    for name, series in ((lat_field, lat), (lon_field, lon)):
        text = series.astype("string").str.strip()
        given = ~_blank(series)
        bad = given & ~text.str.match(_NUMBER).fillna(False)
        checks.reject(bad, name, "not a number: " + text.fillna(""))
        decimal = text.where(given & ~bad).str.replace(",", ".", regex=False)  # a decimal comma is read
        values[name] = pd.to_numeric(decimal, errors="coerce").astype("float64")
    latitude, longitude = values[lat_field], values[lon_field]
    half = latitude.isna() ^ longitude.isna()
    checks.reject(half & latitude.isna() & ~_blank(lon), lat_field, "longitude given without latitude")
    checks.reject(half & longitude.isna() & ~_blank(lat), lon_field, "latitude given without longitude")
    both = latitude.notna() & longitude.notna()
    outside = both & ~_in_france(longitude, latitude)
    swapped = outside & _in_france(latitude, longitude)
    where = "(" + latitude.astype("string").fillna("") + ", " + longitude.astype("string").fillna("") + ")"
    reason = ("coordinates outside France (bounding boxes of the metropole and the 5 DROM): latitude, longitude = "
              + where + swapped.map({True: "; latitude and longitude swapped?", False: ""}))
    checks.reject(outside, f"{lat_field}/{lon_field}", reason)
    return latitude, longitude


def _required(checks: _Checks, raw: pd.DataFrame, fields: list[str]) -> None:
    for field in fields:
        checks.reject(_blank(raw[field]), field, "required field empty")


def _repair_mojibake(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """UTF-8 text decoded once too often as Latin-1 ("Trie-ChÃ¢teau") put back; (values, repaired mask)."""
    def fix(text):
        if not isinstance(text, str) or not re.search("[ÃÂ][\u0080-\u00bf]", text):
            return text
        try:
            return text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return text
    fixed = values.map(fix).astype("string")
    return fixed, (fixed != values.astype("string")).fillna(False)


def _read_json_array(path: Path) -> pd.DataFrame:
    """A JSON array of objects as a string DataFrame (NA for absent/null/NaN), with a ``_row`` column."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as error:
        raise SupportDataError(f"{path}: not UTF-8 text (byte {error.start}): a JSON file must be UTF-8") from None
    except json.JSONDecodeError as error:
        raise SupportDataError(f"{path}: row {error.lineno} (line), column {error.colno}: not valid JSON: "
                               f"{error.msg}") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        bad = (next((i + 1 for i, item in enumerate(data) if not isinstance(item, dict)), None)
               if isinstance(data, list) else None)
        where = f"row {bad}: element is not an object" if bad else "the file is not a JSON array"
        raise SupportDataError(f"{path}: {where}; expected an array of objects, one per record")

    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return pd.NA
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (list, tuple)):
            return "|".join(str(v) for v in value)
        return value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)

    columns = list(dict.fromkeys(key for item in data for key in item))
    frame = pd.DataFrame({c: pd.array([cell(item.get(c)) for item in data], dtype="string") for c in columns})
    frame["_row"] = range(1, len(frame) + 1)
    return frame


def _read_delimited(path: Path) -> tuple[pd.DataFrame, str, str]:
    """A CSV file (comma or semicolon; UTF-8, else Latin-1) as strings, ``_row`` = the file line of each record:
    (frame, encoding, delimiter)."""
    data = path.read_bytes()
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    if header.count(delimiter) == 0:
        raise SupportDataError(f"{path}: row 1 (header): unknown column layout: no ',' or ';' separating column names "
                               f"in {header[:120]!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, end = [], 0
    try:
        for row in reader:  # a record's row is the line it starts on (a quoted cell can span lines)
            records.append((end + 1, row))
            end = reader.line_num
    except csv.Error as error:
        raise SupportDataError(f"{path}: row {reader.line_num}: unreadable CSV: {error}") from None
    (_, names), body = records[0], [(n, r) for n, r in records[1:] if any(cell.strip() for cell in r)]
    names = [name.strip() for name in names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SupportDataError(f"{path}: row 1 (header): column(s) {repeated} repeated")
    for line, row in body:
        if len(row) != len(names):
            raise SupportDataError(f"{path}: row {line}: {len(row)} fields where the header (row 1) has {len(names)} "
                                   f"(separator {delimiter!r}, encoding {encoding}); unknown column layout or "
                                   f"unquoted separator")
    frame = pd.DataFrame({name: pd.array([row[i] for _, row in body], dtype="string") for i, name in enumerate(names)})
    frame = frame.apply(lambda column: column.str.strip().mask(column.str.strip() == ""))
    frame["_row"] = [line for line, _ in body]
    return frame, encoding, delimiter


# --- France Services --------------------------------------------------------------------------------

@lru_cache(maxsize=2)
def _france_services(snapshot: str) -> pd.DataFrame:
    name = SNAPSHOTS[snapshot]
    path = fetch(name)
    raw = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8")
    raw["_row"] = range(2, len(raw) + 2)
    newer = "type_fs" in raw.columns
    type_field, label_field = ("type_fs", "labellisation_fs") if newer else ("format_fs", "labellisation")
    expected = ["id_fs", "insee_dep", "lib_fs", "insee_com", "code_postal", "lib_com", "latitude", "longitude",
                type_field, label_field] + (["format_fs"] if newer else ["itinerance"])
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise SupportDataError(f"{path}: row 1 (header): column(s) {missing} absent")
    checks = _Checks(path, raw["_row"])
    null_marker = raw["insee_com"].str.strip().str.lower().isin(_NULL_MARKERS)  # "0null" in the 2022 file
    checks.warn(null_marker, "insee_com", "null marker " + raw["insee_com"] + " read as an empty commune code")
    raw["insee_com"] = raw["insee_com"].mask(null_marker, "")
    _required(checks, raw, ["id_fs", "lib_fs", "insee_dep", type_field])
    repeated = raw["id_fs"].duplicated() & ~_blank(raw["id_fs"])
    checks.reject(repeated, "id_fs", "id_fs repeated")
    site_type = raw[type_field].replace({"Site principal": "Principal"})
    checks.reject(~_blank(raw[type_field]) & ~site_type.isin(["Principal", "Antenne"]), type_field,
                  "unknown site type: " + raw[type_field])
    departements = set(reference._cog_departements()["code"])
    dep = raw["insee_dep"].str.strip()
    collectivity = ~_blank(dep) & dep.str.fullmatch(_COLLECTIVITY).fillna(False)
    checks.reject(collectivity, "insee_dep",
                  "département " + dep + " is an overseas collectivity, outside the 101 départements covered")
    checks.reject(~_blank(dep) & ~collectivity & ~dep.isin(departements), "insee_dep", "unknown département: " + dep)
    _check_communes(checks, raw["insee_com"], "insee_com")
    _check_postal(checks, raw["code_postal"], "code_postal")
    latitude, longitude = _coordinates(checks, raw["latitude"], raw["longitude"], "latitude", "longitude")
    nowhere = _blank(raw["insee_com"]) & _blank(raw["code_postal"]) & latitude.isna()
    checks.reject(nowhere, "insee_com", "no location: no commune code, postal code or coordinates")
    _, dep_of, _ = _commune_register()
    commune_dep = raw["insee_com"].map(dep_of)
    checks.warn(commune_dep.notna() & ~_blank(dep) & (commune_dep != dep), "insee_dep",
                "département " + dep + " but commune " + raw["insee_com"] + " is in " + commune_dep.fillna(""))
    label = raw[label_field].str.extract(r"(\d{2}/\d{2}/\d{4})")[0]
    checks.reject(~_blank(raw[label_field]) & label.isna(), label_field, "no date dd/mm/yyyy in " + raw[label_field])
    date = pd.to_datetime(label, format="%d/%m/%Y", errors="coerce")
    checks.reject(label.notna() & date.isna(), label_field, "not a calendar date: " + label.fillna(""))
    names, repaired = _repair_mojibake(_text(raw["lib_fs"]))
    checks.warn(repaired, "lib_fs", "double-encoded UTF-8 repaired")
    if newer:
        site_format = _text(raw["format_fs"])
    else:  # the 2022 file gives only whether the site is itinerant
        site_format = pd.Series(pd.NA, index=raw.index, dtype="string").mask(raw["itinerance"] == "Oui", "Itinérante")
    frame = pd.DataFrame({
        "id": _text(raw["id_fs"]), "name": names, "kind": "france_services", "site_type": site_type.astype("string"),
        "site_format": site_format, "commune": _text(raw["insee_com"]), "postal_code": _text(raw["code_postal"]),
        "city": _repair_mojibake(_text(raw["lib_com"]))[0], "departement": _text(dep), "latitude": latitude,
        "longitude": longitude, "date": date, "source": name,
    })
    frame["kind"] = frame["kind"].astype("string")
    frame["source"] = frame["source"].astype("string")
    return checks.finish(frame, name)


def france_services(snapshot: str = "2024-08-01") -> pd.DataFrame:
    """France Services sites (ANCT) at ``snapshot`` "2024-08-01" (2 845 sites) or "2022-12-01" (2 683).

    Columns: id (id_fs), name, kind ("france_services"), site_type ("Principal" or "Antenne"; 2022's "Site
    principal" → "Principal"), site_format (2024: Fixe, Multisites, Bus_équivalent, Fixe_antenne(s),
    Itinérante; 2022 gives only itinerance: "Itinérante" or NA), commune (INSEE code as given), postal_code,
    city, departement (as given), latitude, longitude (WGS84, NaN when absent), date (labellisation), source.
    Rows without a commune code are kept when they have coordinates or a postal code (a placement step
    locates them); rows with none of the three are rejected. Sites of Saint-Martin (978, a collectivity
    outside the 101 départements) are rejected. Mail, telephone, address, opening hours and comments are
    not read into the frame.
    """
    if snapshot not in SNAPSHOTS:
        raise KeyError(f"no France Services snapshot {snapshot!r}; available: {', '.join(SNAPSHOTS)}")
    return _copy(_france_services(snapshot))


def _copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A fresh copy, attrs included (the cached frame stays intact)."""
    return frame.copy(deep=True)


# --- conseillers numériques hosts ------------------------------------------------------------------

_CNFS_FUNDING = "investissement_financier_estimatif_total_de_l.etat"
_YES_NO = {"oui": True, "non": False}


@lru_cache(maxsize=1)
def _cnfs_hosts() -> pd.DataFrame:
    name = "anct-conseillers-numeriques"
    path = fetch(name)
    raw = _read_json_array(path)
    required = ["id", "raison_sociale", "type", "nb_cnfs", _CNFS_FUNDING, "code_département"]
    missing = [c for c in required + ["siret", "insee_com", "zrr"] if c not in raw.columns]
    if missing:
        raise SupportDataError(f"{path}: field(s) {missing} absent from every element")
    for column in ("insee_dep", "insee_reg", "latitude", "longitude", "qpv", "france_services", "code_postal_bis",
                   "commune_insee", "date_de_validation_en_comité_de_sélection", "code_postal"):
        if column not in raw.columns:
            raw[column] = pd.Series(pd.NA, index=raw.index, dtype="string")
    checks = _Checks(path, raw["_row"])
    _required(checks, raw, required)
    host_type = raw["type"].map({"publique": "public", "privée": "private"}).astype("string")
    checks.reject(~_blank(raw["type"]) & host_type.isna(), "type", "unknown host type: " + raw["type"].fillna(""))
    integers = {}
    for field in ("nb_cnfs", _CNFS_FUNDING, "id"):
        bad = ~_blank(raw[field]) & ~raw[field].str.match(r"^\d+$").fillna(False)
        checks.reject(bad, field, "not a non-negative integer: " + raw[field].fillna(""))
        integers[field] = pd.to_numeric(raw[field].where(~bad), errors="coerce").astype("Int64")
    checks.reject(raw["id"].duplicated() & ~_blank(raw["id"]), "id", "id repeated")
    siret = raw["siret"].mask(raw["siret"].str.lower().isin(["null", "none", ""]))
    checks.reject(siret.notna() & ~siret.str.match(_SIRET).fillna(False), "siret",
                  "malformed SIRET: " + siret.fillna(""))
    zrr = raw["zrr"].map(_YES_NO).astype("boolean")
    checks.reject(~_blank(raw["zrr"]) & zrr.isna(), "zrr", "not oui/non: " + raw["zrr"].fillna(""))
    qpv = raw["qpv"].map({"oui": True}).astype("boolean")
    checks.reject(~_blank(raw["qpv"]) & qpv.isna(), "qpv", "not oui (or absent): " + raw["qpv"].fillna(""))
    qpv = qpv.fillna(False)
    # code_département lost its leading zero ("1" for Ain); insee_dep is the geocoded commune's département
    declared = raw["code_département"].where(~raw["code_département"].str.match(r"^\d$").fillna(False),
                                             "0" + raw["code_département"])
    departements = reference._cog_departements().set_index("code")["region"]
    checks.reject(~_blank(declared) & ~declared.isin(departements.index), "code_département",
                  "unknown département: " + declared.fillna(""))
    departement = _text(raw["insee_dep"]).fillna(declared)
    checks.reject(~departement.isin(departements.index) & ~_blank(raw["insee_dep"]), "insee_dep",
                  "unknown département: " + departement.fillna(""))
    checks.warn(~_blank(raw["insee_dep"]) & (departement != declared), "code_département",
                "declared département " + declared.fillna("") + ", commune in " + departement.fillna(""))
    region = departement.map(departements).astype("string")
    checks.reject(~_blank(raw["insee_reg"]) & (raw["insee_reg"] != region), "insee_reg",
                  "région " + raw["insee_reg"].fillna("") + " is not the COG région of département "
                  + departement.fillna(""))
    _check_communes(checks, raw["insee_com"], "insee_com")
    latitude, longitude = _coordinates(checks, raw["latitude"], raw["longitude"], "latitude", "longitude")
    postal = _text(raw["code_postal_bis"]).fillna(raw["code_postal"].str.zfill(5))
    _check_postal(checks, postal, "code_postal")
    city = _text(raw["commune_insee"]).mask(raw["commune_insee"] == "0")
    date = pd.to_datetime(raw["date_de_validation_en_comité_de_sélection"], format="%Y-%m-%d", errors="coerce")
    frame = pd.DataFrame({
        "id": _text(raw["id"]), "name": _text(raw["raison_sociale"]), "siret": siret.astype("string"),
        "siren": siret.str[:9].astype("string"), "host_type": host_type, "posts": integers["nb_cnfs"],
        "state_funding_eur": integers[_CNFS_FUNDING], "commune": _text(raw["insee_com"]), "city": city,
        "postal_code": postal, "departement": departement, "departement_declared": declared.astype("string"),
        "region": region, "zrr": zrr, "qpv": qpv,
        "france_services": raw["france_services"].map(_YES_NO).astype("boolean"),
        "latitude": latitude, "longitude": longitude, "date": date,
    })
    result = checks.finish(frame, name)
    return result.astype({"posts": "int64", "state_funding_eur": "int64"})  # no NA is left in the kept rows


def cnfs_hosts() -> pd.DataFrame:
    """Host organisations of the conseillers numériques France Services (France Relance, committees of
    2021-03-24 to 2021-05-19): 1 450 hosts, 2 138 posts, 110 520 090 € of estimated State funding.

    Columns: id, name (raison sociale), siret (NA for the 5 "null"), siren, host_type ("public"/"private"
    from ``type``), posts (int, nb_cnfs), state_funding_eur (int), commune (INSEE code; NA for 7 hosts),
    city, postal_code, departement (of the geocoded commune, else the declared one), departement_declared
    (code_département with its leading zero restored), region (COG région of departement), zrr, qpv
    (booleans; qpv absent = False), france_services (boolean, NA for "non renseigné"), latitude, longitude
    (NaN for 12), date (selection committee). The legal category is not given (public/private only).
    Address and geocoding fields are not read into the frame.
    """
    return _copy(_cnfs_hosts())


# --- mediation places (national schema of La MedNum) ----------------------------------------------

@lru_cache(maxsize=1)
def mediation_schema() -> dict:
    """The national Table Schema of mediation places (La MedNum v1.0.2), read through ``sources.fetch``:
    {"fields": {name: {"type", "required", "pattern", "values"}}, "required": [names], "version"}; ``values``
    is the vocabulary of a multi-valued field, read from its pattern (None when the field has none)."""
    path = fetch("lamednum-schema")
    schema = json.loads(path.read_text(encoding="utf-8"))
    fields = {}
    for field in schema["fields"]:
        constraints = field.get("constraints", {})
        required = constraints.get("required", False)
        required = required if isinstance(required, bool) else str(required).lower() == "true"
        pattern = constraints.get("pattern")
        values = None
        inner = re.fullmatch(r"\(\?:\(\?:\^\|\\\|\)\((.*)\)\)\+\$", pattern or "")
        if inner:
            values = [re.sub(r"\\(.)", r"\1", v) for v in re.split(r"(?<!\\)\|", inner.group(1))]
        fields[field["name"]] = {"type": field.get("type", "string"), "required": required, "pattern": pattern,
                                 "values": values}
    required = [name for name, field in fields.items() if field["required"]]
    return {"fields": fields, "required": required, "version": schema.get("version")}


#: Columns that carry a place's contacts (schema and pre-v1 names): never read into the frame.
MEDIATION_CONTACT_FIELDS = ("telephone", "courriel", "courriels", "site_web", "prise_rdv", "contact")


def _read_places(path: Path) -> tuple[pd.DataFrame, str]:
    head = path.read_bytes()[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".json" or head[:1] in (b"[", b"{"):
        return _read_json_array(path), "JSON array"
    frame, encoding, delimiter = _read_delimited(path)
    return frame, f"CSV ({delimiter!r}, {encoding})"


def _mediation_places(path: Path, name: str | None) -> pd.DataFrame:
    schema = mediation_schema()
    raw, layout = _read_places(path)
    fields = schema["fields"]
    if layout == "JSON array" and not len(raw):
        raise SupportDataError(f"{path}: the JSON array is empty: no mediation place to read")
    missing = [f for f in schema["required"] if f not in raw.columns]
    if missing:
        known = [c for c in raw.columns if c in fields]
        where = "row 1 (header)" if layout.startswith("CSV") else f"rows 1–{len(raw)} (no element has it)"
        raise SupportDataError(
            f"{path}: {where}: required field(s) {', '.join(missing)} of the national schema of mediation places "
            f"(La MedNum {schema['version']}) absent from the {layout}; "
            + (f"schema fields found: {', '.join(known)}" if known else
               f"unknown column layout (no schema field among {', '.join(map(str, raw.columns.drop('_row')[:12]))})"))
    raw = raw.drop(columns=[c for c in MEDIATION_CONTACT_FIELDS if c in raw.columns])
    checks = _Checks(path, raw["_row"])
    _required(checks, raw, schema["required"])
    for field, spec in fields.items():
        if field not in raw.columns or field in ("latitude", "longitude", "code_insee"):
            continue
        values = raw[field]
        given = ~_blank(values)
        if spec["type"] == "date":
            day = values.str.extract(r"^(\d{4}-\d{2}-\d{2})")[0]
            parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
            checks.reject(given & parsed.isna(), field, "not a date YYYY-MM-DD: " + values.fillna(""))
        elif spec["type"] in ("number", "integer"):
            checks.reject(given & ~values.str.match(_NUMBER).fillna(False), field, "not a number: " + values.fillna(""))
        elif spec["values"] is not None:  # a vocabulary: values outside it are listed, the place is kept
            allowed = set(spec["values"])
            extra = [sorted({v.strip() for v in re.split(r"[|;]", text) if v.strip()} - allowed)
                     if isinstance(text, str) else [] for text in values.astype(object).where(given, None)]
            reason = pd.Series([f"value(s) outside the schema's vocabulary ({schema['version']}): {'; '.join(e)}"
                                for e in extra], index=values.index)
            checks.warn(given & pd.Series([bool(e) for e in extra], index=values.index), field, reason)
        elif spec["pattern"]:
            ok = values.str.fullmatch(spec["pattern"]).fillna(False)  # Table Schema patterns match the whole value
            checks.reject(given & ~ok, field,
                          f"does not match the schema pattern {spec['pattern']}: " + values.fillna(""))
    if "code_insee" in raw.columns:
        pattern = fields["code_insee"]["pattern"]
        insee = raw["code_insee"]
        bad = ~_blank(insee) & ~insee.str.fullmatch(pattern).fillna(False)
        checks.reject(bad, "code_insee", f"does not match the schema pattern {pattern}: " + insee.fillna(""))
        _check_communes(checks, insee.where(~bad), "code_insee")
    else:
        raw["code_insee"] = pd.Series(pd.NA, index=raw.index, dtype="string")
    for column in ("latitude", "longitude", "typologie", "source", "services"):
        if column not in raw.columns:
            raw[column] = pd.Series(pd.NA, index=raw.index, dtype="string")
    latitude, longitude = _coordinates(checks, raw["latitude"], raw["longitude"], "latitude", "longitude")
    key = ["source", "id"] if raw["source"].notna().any() else ["id"]
    first = raw.groupby(key, dropna=False)["_row"].transform("first")
    repeated = raw.duplicated(key) & ~_blank(raw["id"])
    checks.reject(repeated, "id", "id repeated" + (" within its source" if len(key) == 2 else "")
                  + " (first at row " + first.astype("string") + ")")
    pivot = _text(raw["pivot"])
    services = pd.Series([[v.strip() for v in re.split(r"[|;]", text) if v.strip()] if isinstance(text, str) else []
                          for text in raw["services"].astype(object).where(raw["services"].notna(), None)],
                         index=raw.index, dtype=object)
    date = pd.to_datetime(raw["date_maj"].str.extract(r"^(\d{4}-\d{2}-\d{2})")[0], format="%Y-%m-%d", errors="coerce")
    frame = pd.DataFrame({
        "id": _text(raw["id"]), "name": _text(raw["nom"]), "siret": pivot.where(pivot.str.match(_SIRET).fillna(False)),
        "pivot": pivot, "services": services, "typology": _text(raw["typologie"]), "commune": _text(raw["code_insee"]),
        "postal_code": _text(raw["code_postal"]), "city": _text(raw["commune"]), "latitude": latitude,
        "longitude": longitude, "source": _text(raw["source"]), "date": date,
    })
    sources = [name, "lamednum-schema"] if name else ["lamednum-schema"]
    result = checks.finish(frame, *sources)
    result.attrs["file"] = str(path)
    return result


@lru_cache(maxsize=1)
def _default_places() -> pd.DataFrame:
    return _mediation_places(fetch("data-inclusion"), "data-inclusion")


def mediation_places(path: str | Path | None = None) -> pd.DataFrame:
    """Mediation places from a file in the national schema of La MedNum (``mediation_schema()``): a JSON array
    of objects or a CSV (comma or semicolon; UTF-8, else Latin-1). Default: the data·inclusion export of
    early 2023 (3 811 places; code_insee on 3 768, coordinates on 3 372).

    Columns: id, name (nom), siret (pivot when it is a 14-digit SIRET, else NA), pivot (as given: SIRET, RNA
    or RIDET), services (list of strings; '|' or ';' separated in the file), typology, commune (code_insee),
    postal_code, city (the schema's ``commune``, a name), latitude, longitude, source, date (date_maj).
    The schema's required fields must be columns (else ``SupportDataError`` naming file, row 1 and the
    fields); a row with a required field empty, a value that does not fit the field's type or pattern, an
    unknown commune code or coordinates outside France is rejected. Values outside a field's vocabulary are
    warnings (data·inclusion 2023 uses the pre-v1 vocabulary and field names). ``id`` is unique within
    ``source`` (data·inclusion repeats ids across its sources). Contacts (telephone, courriel(s), site_web,
    prise_rdv) are dropped at load.
    """
    if path is None:
        return _copy(_default_places())
    path = Path(path)
    if not path.is_file():
        raise SupportDataError(f"{path}: no such file")
    return _mediation_places(path, None)


# --- candidate ESS register ------------------------------------------------------------------------

_ESS_COLUMNS = {
    "siren": "siren", "denomination": "name", "sigle": "acronym", "nom_usage": "usage_name", "naf": "naf",
    "naf_numerique": "naf_digital", "tags_numerique": "digital_tags", "categorie_juridique": "legal_category",
    "famille_ess": "ess_family", "flag_ess_sirene": "ess_flag_sirene", "societe_mission": "societe_a_mission",
    "rna": "rna", "est_active": "active", "date_creation": "creation_date", "tranche_effectifs": "headcount_band",
    "annee_effectifs": "headcount_year", "categorie_entreprise": "company_category",
    "caractere_employeur": "employer", "siret_siege": "head_office_siret", "code_postal": "postal_code",
    "commune": "city", "sources": "sources", "origines": "origins", "methode_jointure": "join_method",
    "confiance_jointure": "join_confidence", "group_naf": "naf_group", "group_cate": "legal_group",
}
#: Contact columns of the register (web sites), never read into the frame.
ESS_CONTACT_FIELDS = ("site_web", "site_web__tiers_lieux")


def _float_code(values: pd.Series, width: int) -> pd.Series:
    """Codes written as floats by the producer ("9220.0", "7400.0") back to strings of ``width`` digits."""
    text = _text(values).str.replace(r"\.0$", "", regex=True)
    return text.where(~text.str.match(r"^\d+$").fillna(False), text.str.zfill(width))


def _siren_key_ok(siren: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(siren)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@lru_cache(maxsize=1)
def _ess_register() -> pd.DataFrame:
    name = "ess-numerique-candidates"
    path = fetch(name)
    raw = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    expected = ("siren", "denomination", "naf", "categorie_juridique", "famille_ess", "sources", "siret_siege")
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise SupportDataError(f"{path}: row 1 (header): column(s) {missing} absent")
    raw = raw.drop(columns=[c for c in ESS_CONTACT_FIELDS if c in raw.columns])
    raw["_row"] = range(2, len(raw) + 2)
    checks = _Checks(path, raw["_row"])
    _required(checks, raw, ["siren", "denomination"])
    siren = raw["siren"].str.strip()
    well_formed = pd.Series([isinstance(v, str) and bool(_SIREN.match(v)) and _siren_key_ok(v)
                             for v in siren.astype(object)], index=siren.index)
    malformed = ~_blank(siren) & ~well_formed
    checks.reject(malformed, "siren", "malformed SIREN (9 digits with a valid Luhn key): " + siren)
    checks.reject(siren.duplicated() & ~_blank(siren), "siren", "SIREN repeated")
    head = raw["siret_siege"].str.strip()
    checks.reject(~_blank(head) & ~(head.str.match(_SIRET).fillna(False) & (head.str[:9] == siren)), "siret_siege",
                  "head-office SIRET is not 14 digits starting with the SIREN: " + head)
    frame = raw.drop(columns="_row").apply(_text)
    frame["categorie_juridique"] = _float_code(raw["categorie_juridique"], 4)
    frame["code_postal"] = _float_code(raw["code_postal"], 5)
    frame["annee_effectifs"] = _float_code(raw["annee_effectifs"], 4) if "annee_effectifs" in raw else pd.NA
    if "code_postal__tiers_lieux" in raw:
        frame["code_postal__tiers_lieux"] = _float_code(raw["code_postal__tiers_lieux"], 5)
    _check_postal(checks, frame["code_postal"], "code_postal")
    legal = frame["categorie_juridique"]
    checks.reject(legal.notna() & ~legal.str.match(r"^\d{4}$").fillna(False), "categorie_juridique",
                  "legal category is not a 4-digit INSEE code: " + legal.fillna(""))
    for column in ("naf_numerique", "est_active", "flag_ess_sirene"):
        if column in frame:
            frame[column] = frame[column].map({"True": True, "False": False}).astype("boolean")
    frame["societe_mission"] = frame["societe_mission"].map({"O": True, "N": False}).astype("boolean")
    frame["nom_usage"] = frame["nom_usage"].mask(frame["nom_usage"] == "[ND]")  # [ND]: not published (SIRENE)
    frame["confiance_jointure"] = pd.to_numeric(frame["confiance_jointure"], errors="coerce")
    frame["date_creation"] = pd.to_datetime(frame["date_creation"], format="%Y-%m-%d", errors="coerce")
    frame["esus"] = frame["sources"].fillna("").str.split("|").map(lambda parts: "esus" in parts).astype("boolean")
    frame = frame.rename(columns=_ESS_COLUMNS)
    first = ["siren", "name", "naf", "legal_category", "ess_family", "esus", "societe_a_mission"]
    named = first + [c for c in _ESS_COLUMNS.values() if c in frame.columns and c not in first]
    frame = frame[named + [c for c in frame.columns if c not in named]]
    return checks.finish(frame, name)


def ess_register() -> pd.DataFrame:
    """A CANDIDATE register of ESS organisations with a digital activity (3 667 rows, one per SIREN):
    SIRENE units with a digital NAF code crossed with the ESS France list, the national ESUS list and a
    tiers-lieux list, BEFORE human validation. Quote it as a candidate list, never as "the ESS numérique".

    Columns: siren, name (denomination), naf, legal_category (4-digit INSEE code), ess_family (association,
    cooperative, fondation or NA), esus (True when the ESUS list is among its sources), societe_a_mission
    (boolean, NA when unknown), then acronym, usage_name, naf_digital, digital_tags, ess_flag_sirene, rna,
    active, creation_date, headcount_band, headcount_year, company_category, employer, head_office_siret,
    postal_code, city (on a few rows only), sources, origins, join_method, join_confidence, naf_group,
    legal_group and the producer's provenance columns (``*_enrich_source``, ``*_enrich_method``,
    ``*__tiers_lieux``, ``nom_structure_porteuse``) under their own names. Web sites are dropped at load.
    """
    return _copy(_ess_register())
