"""essnum.data.sources: declared catalogue, mirror → cache → download, hash always verified."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from functools import partial
from pathlib import Path

import pooch
import pytest
import requests

from essnum.data import sources
from essnum.data.sources import (
    Archive,
    HashMismatchError,
    Source,
    SourceFile,
    SourceUnavailableError,
    fetch,
    locate,
    mirror_dir,
)

SHARED = mirror_dir()
needs_mirror = pytest.mark.skipif(not (SHARED / "insee-population" / "regions.csv").is_file(),
                                  reason="no local mirror of the reference data")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(sources.CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def offline(monkeypatch):
    """No network: pooch's HTTP downloader fails the way requests does without DNS."""
    def refuse(self, url, output_file, pooch_obj, check_only=False):
        raise requests.exceptions.ConnectionError(f"Failed to resolve host of {url} (test: offline)")
    monkeypatch.setattr(pooch.HTTPDownloader, "__call__", refuse)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source(name: str, files: dict[str, bytes], base_url: str = "http://127.0.0.1:9/", archive: Archive | None = None):
    dataset = sources.source("insee-cog-regions").dataset
    declared = tuple(SourceFile(path, _sha(data), len(data), None if archive else base_url + Path(path).name)
                     for path, data in files.items())
    return Source(name, dataset, "test source", declared, archive)


def test_catalogue_declares_every_dataset_with_licence_and_attribution():
    cat = sources.catalogue()
    assert {"france-regions-overseas", "france-departements-simplified", "nuts-2021-20m-level-3",
            "nuts-2021-60m-level-0", "insee-communes", "insee-communes-mayotte", "insee-cog-regions",
            "insee-cog-departements", "naturalearth-countries"} <= set(cat)
    for src in cat.values():
        assert src.urls and all(u.startswith("https://") for u in src.urls)
        assert all(len(f.sha256) == 64 and f.bytes > 0 for f in src.files)
        assert src.dataset.licence and src.dataset.attribution
    assert sources.attribution("france-regions-overseas") == "© IGN – INSEE, Licence Ouverte"
    assert sources.attribution("nuts-2021-20m-level-0") == "© EuroGeographics for the administrative boundaries"
    assert len(cat["naturalearth-countries"].files) == 5  # a shapefile is several files


def test_unknown_source_lists_the_declared_ones():
    with pytest.raises(KeyError, match="insee-communes"):
        sources.source("insee-comunes")


@needs_mirror
def test_declared_hashes_match_the_shared_mirror():
    checks = sources.verify()
    assert checks and all(c.where == "mirror" and c.ok for c in checks)


def test_tampered_mirror_file_is_an_error_naming_file_and_both_hashes(tmp_path, cache, offline):
    original = b"REG,LIBELLE\n11,Ile-de-France\n"
    src = _source("test-regions", {"insee-population/regions.csv": original})
    mirror = tmp_path / "mirror"
    (mirror / "insee-population").mkdir(parents=True)
    tampered = mirror / "insee-population" / "regions.csv"
    tampered.write_bytes(original.replace(b"11", b"12"))
    with pytest.raises(HashMismatchError) as caught:
        sources.fetch_source(src, mirror)
    message = str(caught.value)
    assert str(tampered) in message
    assert _sha(original) in message and _sha(tampered.read_bytes()) in message
    assert "What to do" in message
    tampered.write_bytes(original)  # restored: accepted
    assert locate(src, mirror) == (tampered, "mirror")


@needs_mirror
def test_tampered_copy_of_a_real_file_in_a_temporary_mirror(tmp_path, cache, offline):
    mirror = tmp_path / "mirror"
    target = mirror / "insee-population" / "departements.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes((SHARED / "insee-population" / "departements.csv").read_bytes().replace(b"2A,94", b"2A,93"))
    with pytest.raises(HashMismatchError, match="ab2aa74b5242cfa68ccbb2a67a68c46ca7becc5bd929a9dae5ec3c3cbed417aa"):
        fetch("insee-cog-departements", mirror=mirror)


def test_missing_mirror_and_no_network_names_source_url_and_remedy(tmp_path, cache, offline):
    with pytest.raises(SourceUnavailableError) as caught:
        fetch("insee-communes", mirror=tmp_path / "no-such-mirror")
    message = str(caught.value)
    assert "'insee-communes'" in message
    assert sources.source("insee-communes").files[0].url in message
    assert "does not exist" in message and "ESSNUM_MIRROR" in message and "--mirror" in message


def test_mirror_env_variable_is_used(tmp_path, cache, offline, monkeypatch):
    data = b"x;y\n1;2\n"
    src = _source("test-env", {"some/file.csv": data})
    (tmp_path / "m" / "some").mkdir(parents=True)
    (tmp_path / "m" / "some" / "file.csv").write_bytes(data)
    monkeypatch.setenv(sources.MIRROR_ENV, str(tmp_path / "m"))
    assert locate(src) == (tmp_path / "m" / "some" / "file.csv", "mirror")


@pytest.fixture
def http_server(tmp_path):
    """A loopback HTTP server serving ``tmp_path / "served"`` (the download route without internet)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_download_goes_to_cache_then_cache_is_reused(tmp_path, cache, http_server):
    root, base = http_server
    data = b"CODE;NAME\n01;Ain\n"
    (root / "deps.csv").write_bytes(data)
    src = _source("test-download", {"ref/deps.csv": data}, base_url=base)
    assert locate(src, tmp_path / "empty") == (cache / "ref" / "deps.csv", "download")
    assert (cache / "ref" / "deps.csv").read_bytes() == data
    (root / "deps.csv").unlink()
    assert locate(src, tmp_path / "empty") == (cache / "ref" / "deps.csv", "cache")


def test_corrupted_cache_is_downloaded_again(tmp_path, cache, http_server):
    root, base = http_server
    data = b"CODE;NAME\n02;Aisne\n"
    (root / "deps.csv").write_bytes(data)
    (cache / "ref").mkdir(parents=True)
    (cache / "ref" / "deps.csv").write_bytes(b"truncated")
    src = _source("test-redownload", {"ref/deps.csv": data}, base_url=base)
    assert locate(src, tmp_path / "empty")[1] == "download"
    assert (cache / "ref" / "deps.csv").read_bytes() == data


def test_download_with_other_bytes_than_declared_is_refused(tmp_path, cache, http_server):
    root, base = http_server
    (root / "deps.csv").write_bytes(b"changed upstream")
    src = _source("test-upstream-change", {"ref/deps.csv": b"declared bytes"}, base_url=base)
    with pytest.raises(HashMismatchError, match="upstream file changed"):
        locate(src, tmp_path / "empty")


def test_files_inside_an_archive_are_extracted_and_verified(tmp_path, cache, http_server):
    root, base = http_server
    members = {"shapes/x.shp": b"shape bytes", "shapes/x.dbf": b"table bytes"}
    with zipfile.ZipFile(root / "bundle.whl", "w") as bundle:
        for name, data in members.items():
            bundle.writestr("pkg/data/" + Path(name).name, data)
    blob = (root / "bundle.whl").read_bytes()
    archive = Archive(base + "bundle.whl", _sha(blob), len(blob), "pkg/data/")
    src = _source("test-archive", members, archive=archive)
    path, where = locate(src, tmp_path / "empty")
    assert (path, where) == (cache / "shapes" / "x.shp", "download")
    assert (cache / "shapes" / "x.dbf").read_bytes() == b"table bytes"


def test_cli_list_and_verify(tmp_path, cache, monkeypatch):
    from click.testing import CliRunner

    from essnum.cli import main

    listed = CliRunner().invoke(main, ["sources", "list"])
    assert listed.exit_code == 0 and "© EuroGeographics for the administrative boundaries" in listed.output
    mirror = tmp_path / "mirror"
    (mirror / "insee-population").mkdir(parents=True)
    (mirror / "insee-population" / "regions.csv").write_bytes(b"tampered")
    result = CliRunner().invoke(main, ["sources", "verify", "insee-cog-regions", "insee-communes", "--mirror", str(mirror)])
    assert result.exit_code != 0
    assert "MISMATCH" in result.output and "MISSING" in result.output
    assert "e3f74a92d87f8ca72f08c8b4299d38fb11323f1c9b2fea7105d09801490a7e4e" in result.output


def test_cli_fetch_reports_unavailable_sources(tmp_path, cache, offline):
    from click.testing import CliRunner

    from essnum.cli import main

    result = CliRunner().invoke(main, ["sources", "fetch", "insee-cog-regions", "--mirror", str(tmp_path / "none")])
    assert result.exit_code != 0 and "FAILED insee-cog-regions" in result.output and "ESSNUM_MIRROR" in result.output
