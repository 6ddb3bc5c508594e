"""Declared external reference data and the one function that fetches it: mirror → cache → download.

The catalogue lives in ``data/reference/sources.toml``: each *source* (``fetch("insee-communes")``)
lists its files with their canonical URL, sha256 and size, and belongs to a *dataset* that carries
the licence and the attribution line printed under maps.

``fetch(name)`` looks for each file, in order, in

1. the local mirror: the ``mirror`` argument, else ``$ESSNUM_MIRROR``, else ``../shared/data``
   next to the project root (when it exists);
2. the user cache: ``$ESSNUM_CACHE``, else ``pooch.os_cache("essnum")``;
3. the network: downloaded with pooch into the cache.

The sha256 is verified wherever the file comes from. A mirror file whose hash differs is an error
(never silently replaced); a cached file whose hash differs is downloaded again.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from essnum.build import file_hash
from essnum.paths import data_dir, project_root

MIRROR_ENV = "ESSNUM_MIRROR"
CACHE_ENV = "ESSNUM_CACHE"


class ReferenceDataError(RuntimeError):
    """A reference file cannot be provided with the declared content."""


class HashMismatchError(ReferenceDataError):
    """A file exists but its bytes are not the declared ones."""


class SourceUnavailableError(ReferenceDataError):
    """A file is in no mirror, not in the cache, and cannot be downloaded."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative path inside a mirror or the cache, e.g. "insee-population/regions.csv"
    sha256: str
    bytes: int
    url: str | None = None  # None when the file comes out of the source's archive


@dataclass(frozen=True)
class Archive:
    url: str
    sha256: str
    bytes: int
    members: str  # folder inside the archive holding the files (matched by file name)


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    publisher: str
    repository: str
    licence: str
    licence_url: str
    attribution: str
    year: int
    commit: str | None = None
    population_year: int | None = None


@dataclass(frozen=True)
class Source:
    name: str
    dataset: Dataset
    description: str
    files: tuple[SourceFile, ...]
    archive: Archive | None = None

    @property
    def main_file(self) -> SourceFile:
        """The file a loader opens (the ``.shp`` of a shapefile; its companions sit beside it)."""
        return self.files[0]

    @property
    def urls(self) -> list[str]:
        return [self.archive.url] if self.archive else [f.url for f in self.files if f.url]


def catalogue_file() -> Path:
    return data_dir() / "reference" / "sources.toml"


@lru_cache(maxsize=4)
def _load_catalogue(path: Path) -> dict[str, Source]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    datasets = {name: Dataset(name=name, **fields) for name, fields in raw["datasets"].items()}
    sources: dict[str, Source] = {}
    for name, fields in raw["sources"].items():
        if fields["dataset"] not in datasets:
            raise ReferenceDataError(f"{path}: source {name!r} names unknown dataset {fields['dataset']!r}")
        archive = Archive(**fields["archive"]) if "archive" in fields else None
        files = tuple(SourceFile(**f) for f in fields["files"])
        missing_url = [f.path for f in files if f.url is None and archive is None]
        if missing_url:
            raise ReferenceDataError(f"{path}: source {name!r} gives no url (and no archive) for {', '.join(missing_url)}")
        sources[name] = Source(name, datasets[fields["dataset"]], fields.get("description", ""), files, archive)
    return sources


def catalogue() -> dict[str, Source]:
    """Every declared source, by name (from ``data/reference/sources.toml``)."""
    return _load_catalogue(catalogue_file())


def source(name: str) -> Source:
    """One declared source; unknown names list the known ones."""
    known = catalogue()
    if name not in known:
        raise KeyError(f"no reference source {name!r} in {catalogue_file()}; declared: {', '.join(sorted(known))}")
    return known[name]


def attribution(*names: str) -> str:
    """The attribution line(s) to print under a map drawn from these sources (deduplicated, in order)."""
    lines: list[str] = []
    for name in names:
        line = source(name).dataset.attribution
        if line not in lines:
            lines.append(line)
    return " ; ".join(lines)


def mirror_dir(mirror: str | os.PathLike | None = None) -> Path:
    """The mirror directory searched first: ``mirror``, else ``$ESSNUM_MIRROR``, else ``../shared/data``."""
    if mirror is not None:
        return Path(mirror).expanduser().resolve()
    if os.environ.get(MIRROR_ENV):
        return Path(os.environ[MIRROR_ENV]).expanduser().resolve()
    return (project_root().parent / "shared" / "data").resolve()


def cache_dir() -> Path:
    """The user cache (safe to delete): ``$ESSNUM_CACHE``, else the OS cache folder for essnum (the one
    pooch uses; platformdirs directly, so that reading the mirror never imports pooch and its progress bars)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("essnum"))


@lru_cache(maxsize=256)
def _verified(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a file, remembered per (path, size, mtime) so repeated fetches do not re-hash."""
    return file_hash(path)


def _actual_hash(path: Path) -> str:
    stat = path.stat()
    return _verified(path, stat.st_size, stat.st_mtime_ns)


def _mismatch_message(src: Source, file: SourceFile, path: Path, actual: str, where: str) -> str:
    return (
        f"reference file {path} ({where} copy of source {src.name!r}) does not have the declared content:\n"
        f"  expected sha256 {file.sha256} ({file.bytes} bytes)\n"
        f"  actual   sha256 {actual} ({path.stat().st_size} bytes)\n"
        f"What to do: replace it with the original bytes from {file.url or src.archive.url} "
        f"(declared in {catalogue_file()}), or remove it / point {MIRROR_ENV} to an intact mirror so that "
        f"essnum uses its cache or downloads the file."
    )


def _download(url: str, sha256: str, target: Path) -> Path:
    """Download ``url`` to ``target`` with pooch, which checks the sha256 (raises ValueError on mismatch)."""
    import pooch

    return Path(pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=target.name, path=target.parent,
                               downloader=pooch.HTTPDownloader(progressbar=False)))


def _download_source(src: Source, cache: Path) -> None:
    """Put every file of ``src`` into ``cache`` from the network, verifying each hash."""
    if src.archive is None:
        for file in src.files:
            _download(file.url, file.sha256, cache / file.path)
        return
    import zipfile

    archive_path = _download(src.archive.url, src.archive.sha256, cache / "_archives" / Path(src.archive.url).name)
    with zipfile.ZipFile(archive_path) as bundle:
        for file in src.files:
            member = src.archive.members + Path(file.path).name
            target = cache / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(member) as reader, target.open("wb") as writer:
                shutil.copyfileobj(reader, writer)


def _unavailable_message(src: Source, missing: list[SourceFile], mirror: Path, cache: Path, error: Exception) -> str:
    mirror_state = "present" if mirror.is_dir() else "does not exist"
    return (
        f"reference source {src.name!r} ({src.dataset.title}) is not available:\n"
        f"  missing file(s): {', '.join(f.path for f in missing)}\n"
        f"  searched mirror {mirror} ({mirror_state}) and cache {cache}; download from "
        f"{', '.join(src.urls)} failed: {type(error).__name__}: {error}\n"
        f"What to do: put a copy of the data in a mirror folder laid out as {', '.join(f.path for f in missing)} and "
        f"pass it with --mirror DIR or the {MIRROR_ENV} environment variable (the default mirror is ../shared/data "
        f"next to the project), or run `essnum sources fetch {src.name}` where the network is available "
        f"(cache: {CACHE_ENV} or {cache})."
    )


def fetch(name: str, mirror: str | os.PathLike | None = None) -> Path:
    """Local path of source ``name``'s main file, with every file of the source present and verified.

    Raises ``HashMismatchError`` (mirror copy altered, or a download whose bytes differ from the
    declaration) or ``SourceUnavailableError`` (nowhere to be found and no network), each naming the
    file, the expected and actual hash or the URL, and what to do.
    """
    return fetch_source(source(name), mirror)


def fetch_source(src: Source, mirror: str | os.PathLike | None = None) -> Path:
    """``fetch`` for a ``Source`` object (tests build their own)."""
    return locate(src, mirror)[0]


def locate(src: Source, mirror: str | os.PathLike | None = None) -> tuple[Path, str]:
    """(main file path, where it came from: "mirror", "cache" or "download") after fetching ``src``."""
    mirror_root, cache = mirror_dir(mirror), cache_dir()
    in_mirror = [f for f in src.files if (mirror_root / f.path).is_file()]
    for file in in_mirror:
        path = mirror_root / file.path
        actual = _actual_hash(path)
        if actual != file.sha256:
            raise HashMismatchError(_mismatch_message(src, file, path, actual, "mirror"))
    if len(in_mirror) == len(src.files):
        return mirror_root / src.main_file.path, "mirror"
    stale = [f for f in src.files if not (cache / f.path).is_file() or _actual_hash(cache / f.path) != f.sha256]
    if not stale:
        return cache / src.main_file.path, "cache"
    try:
        _download_source(src, cache)
    except ValueError as error:  # pooch: downloaded bytes do not match the declared sha256
        raise HashMismatchError(
            f"download of reference source {src.name!r} from {', '.join(src.urls)} does not match the declared "
            f"sha256 in {catalogue_file()}: {error}\nWhat to do: the upstream file changed; provide the declared "
            f"version through a mirror ({MIRROR_ENV}) or review the declaration."
        ) from error
    except Exception as error:  # network, DNS, HTTP errors: nothing more to try
        raise SourceUnavailableError(_unavailable_message(src, stale, mirror_root, cache, error)) from error
    for file in src.files:
        path = cache / file.path
        actual = _actual_hash(path)
        if actual != file.sha256:
            raise HashMismatchError(_mismatch_message(src, file, path, actual, "downloaded"))
    return cache / src.main_file.path, "download"


@dataclass(frozen=True)
class FileCheck:
    source: str
    path: str
    where: str  # "mirror", "cache" or "missing"
    location: Path | None
    expected: str
    actual: str | None

    @property
    def ok(self) -> bool:
        return self.actual == self.expected


def verify(names: list[str] | None = None, mirror: str | os.PathLike | None = None) -> list[FileCheck]:
    """Hash every declared file found in the mirror or the cache, without downloading anything."""
    mirror_root, cache = mirror_dir(mirror), cache_dir()
    checks: list[FileCheck] = []
    for name in names or sorted(catalogue()):
        for file in source(name).files:
            for where, root in (("mirror", mirror_root), ("cache", cache)):
                path = root / file.path
                if path.is_file():
                    checks.append(FileCheck(name, file.path, where, path, file.sha256, _actual_hash(path)))
                    break
            else:
                checks.append(FileCheck(name, file.path, "missing", None, file.sha256, None))
    return checks
