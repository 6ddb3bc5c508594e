"""Funding: how much of a programme reaches the ESS, and what policy scenarios would change.

- :mod:`.shares` — ESS share of a programme from its beneficiary list, with bootstrap intervals;
- :mod:`.programme` — ESS share of a real programme whose hosts carry no legal form (the CnFS hosts), as
  bounds from documented evidence (the ESS register, curated name rules);
- :mod:`.scenarios` — procurement reservation, reconditioning and hybrid-posts scenarios;
- :mod:`.plots` — one chart per scenario.
"""
