"""essnum — research and policy-brief workbench of the ESS numérique observatory.

One package per domain, in the order the data flows (``docs/architecture.md``):

- :mod:`essnum.data` — declared datasets and the one fetch, table contracts, evidence base, atlas import;
- :mod:`essnum.network` — who connects whom in an atlas;
- :mod:`essnum.territory` — where organisations are, indicators per territory, maps;
- :mod:`essnum.survey` — survey estimates with their uncertainty, disclosure control;
- :mod:`essnum.funding` — ESS shares of funding programmes, policy scenarios;
- :mod:`essnum.publish` — facts registry, briefs, barometers, consultation answers, rendering;
- :mod:`essnum.cli` — the ``essnum`` command.

At the top, what every package uses: :mod:`.config` (decisions), :mod:`.paths`, :mod:`.french` (numbers the
French way), :mod:`.build` (hashes and stamps), :mod:`.notebooks`, :mod:`.pipeline` (steps of ``essnum build``).
"""

__version__ = "0.1.0"
