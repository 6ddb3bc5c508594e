"""Getters and contracts: every dataset enters essnum here, validated, with its rejected rows kept.

- :mod:`.sources` — declared external datasets (``data/reference/sources.toml``) and the one fetch:
  mirror → cache → download, hash always verified;
- :mod:`.reference` — loaders of the reference data (boundaries, communes and their points, COG and its
  changes, postal codes, populations, NUTS);
- :mod:`.support` — the support offer of digital inclusion (France Services sites, conseillers numériques
  hosts, mediation places in the national schema) and the candidate register of ESS organisations;
- :mod:`.tables` — reading a curated table against its Table Schema (problems with file, row, field);
- :mod:`.validate` — ``essnum data check``: every table and cross-reference of the project;
- :mod:`.evidence` — the evidence base transcribed from the seed documents;
- :mod:`.atlas` — the atlas import format (organisations, collectives, links);
- :mod:`.synthetic` — synthetic atlases for tests and benchmarks (labelled synthetic, never quoted).
"""
