"""Where organisations are, and what that says per territory.

- :mod:`.communes` — which commune in force a code, a point or a postal code designates (the commune frame
  every placement shares), point-in-polygon and projections;
- :mod:`.placement` — organisations placed in communes → départements → régions, NUTS units and
  countries, with the evidence used and the harmonisation gate (:func:`place`);
- :mod:`.indicators` — counts and densities per unit, location quotients, concentration, distance to
  support;
- :mod:`.export` — the files of ``essnum territory`` (CSV, GeoPackage, ``summary.json``);
- :mod:`.places` — support places (France Services, mediation places, CnFS hosts) placed by commune code,
  coordinates or postal code, conflicts reported; the files of ``essnum places``;
- :mod:`.offer` — the support offer nationally: every place placed, every commune's distances, the
  tables per département and région, the CnFS ESS share bounds (cached in ``build/support-offer/``);
- :mod:`.access` — access to the support offer: distance from every commune to the nearest place of its
  territory, population beyond thresholds, densities, change between snapshots, posts in ZRR and QPV;
- :mod:`.maps` — France (overseas insets in their own projections) and Europe choropleths.

Exposes the placement and the indicator tables; :mod:`.maps` is imported on its own (matplotlib).
"""

from .communes import points_in_polygons, projected_crs
from .export import build_territory, read_commune_points, write_outputs
from .indicators import (
                         commune_counts,
                         concentration,
                         country_counts,
                         departement_centres,
                         departement_counts,
                         distance_to_support,
                         europe_scope,
                         families_of,
                         location_quotients,
                         nuts_counts,
                         region_counts,
                         support_locations,
)
from .placement import HarmonisationError, Placement, commune_table, place

__all__ = [
    "HarmonisationError", "Placement", "build_territory", "commune_counts", "commune_table", "concentration",
    "country_counts", "departement_centres", "departement_counts", "distance_to_support", "europe_scope",
    "families_of", "location_quotients", "nuts_counts", "place", "points_in_polygons", "projected_crs",
    "read_commune_points", "region_counts", "support_locations", "write_outputs",
]
