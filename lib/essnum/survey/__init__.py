"""Survey evidence with its uncertainty.

- :mod:`.intervals`: Wilson intervals, Newcombe differences, unknown subgroup sizes.
- :mod:`.published`: intervals and legitimate comparisons for the percentages of the evidence base.
- :mod:`.microdata`: questionnaire exports read through a codebook; weighted proportions and cross-tabs.
- :mod:`.raking`: calibration of weights to known margins, with a convergence report.
- :mod:`.synthetic`: SYNTHETIC exports reproducing published margins (tests and benchmarks only).
- :mod:`.disclosure`: disclosure control (small cells, complementary suppression) for anything published
  from microdata; imported on its own.
"""

from .intervals import Interval, minimum_equal_group_size, newcombe, subgroup_sensitivity, wilson, z_value
from .microdata import (
                        Codebook,
                        Microdata,
                        Question,
                        count_table,
                        crosstab,
                        decode,
                        effective_sample_size,
                        read_codebook,
                        read_microdata,
                        weighted_proportions,
)
from .published import (
                        maturity_split,
                        published_intervals,
                        sample_size,
                        synthetic_rs2022,
                        urban_rural_sensitivity,
                        wave_comparisons,
)
from .raking import RakingResult, rake, rake_microdata
from .synthetic import SYNTHETIC_LABEL, SyntheticSurvey, synthetic_survey

__all__ = [
    "Codebook", "Interval", "Microdata", "Question", "RakingResult", "SYNTHETIC_LABEL", "SyntheticSurvey",
    "count_table", "crosstab", "decode", "effective_sample_size", "maturity_split", "minimum_equal_group_size",
    "newcombe", "published_intervals", "rake", "rake_microdata", "read_codebook", "read_microdata",
    "sample_size", "subgroup_sensitivity", "synthetic_rs2022", "synthetic_survey", "urban_rural_sensitivity",
    "wave_comparisons", "weighted_proportions", "wilson", "z_value",
]
