"""Survey evidence with its uncertainty: intervals for published proportions, microdata estimates, raking.

Disclosure control for anything published from microdata lives in :mod:`essnum.disclosure`.
"""

from .intervals import Interval, minimum_equal_group_size, newcombe, subgroup_sensitivity, wilson, z_value

__all__ = ["Interval", "minimum_equal_group_size", "newcombe", "subgroup_sensitivity", "wilson", "z_value"]
