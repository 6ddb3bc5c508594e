"""From numbers to documents: every printed number a named fact, rendered into briefs and barometers.

- :mod:`.facts` — the registry of printable numbers, ``build/facts.json`` and the facts lock;
- :mod:`.barometer` — the facts, tables and map of one région's barometer;
- :mod:`.batch` — the 18 barometers rendered in one kernel;
- :mod:`.consultation` — consultation answers as plain text, length-checked;
- :mod:`.render` — ``.qmd`` → PDF and HTML, built-in path (nbclient, pandoc, Typst) or Quarto.
- :mod:`.site` — the static, offline site: map, « made in ESS » directory, data, publications.
"""
