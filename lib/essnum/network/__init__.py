"""Who connects whom in an atlas: graphs, measures, exports and figures.

- :mod:`.analysis` — cleaning and graphs of an atlas, every measure (:func:`analyse_atlas`,
  :class:`NetworkAnalysis`);
- :mod:`.measures` — sparse implementations of the measures (betweenness, constraint, PageRank…);
- :mod:`.export` — GEXF, GraphML, CSV and ``summary.json``;
- :mod:`.views` — the network figure and its reading;
- :mod:`.inventory` — what an atlas holds: organisations per family, links per kind of collective.

Exposes :func:`analyse_atlas` and :class:`NetworkAnalysis`.
"""

from .analysis import NetworkAnalysis, analyse_atlas

__all__ = ["NetworkAnalysis", "analyse_atlas"]
