"""Scenarios: YAML stories run against a live gateway and the simulators, with expectations.

`eugw sim scenario FILE` runs one; the files shipped here cover both Eurodac
regimes and both Dublin regimes.
"""
