"""The observatory online: a static, offline, self-contained site under ``_output/site/``.

- :mod:`.content` — the data the pages carry: map points (atlas organisations and support places), the
  boundaries drawn as the base map, the « made in ESS » directory (embedded atlas + candidate register, with
  NAF and legal-category labels), the facts table; none holds an e-mail, a phone number or a web site;
- :mod:`.pages` — writes the pages (home, map, directory, data, sources and methods), the data files
  (JS for ``file://``, CSV and XLSX to download), copies the publications and the vendored Leaflet.

:func:`build_site` is what ``essnum site`` and the ``site`` step of ``essnum build`` call.
"""

from .pages import build_site

__all__ = ["build_site"]
