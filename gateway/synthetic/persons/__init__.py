"""Synthetic applicants, one deterministic person per (seed, index), with names by origin.

`make_person(seed, index)` draws one (`drawing`); `names` holds the name pools.
"""

from __future__ import annotations

from gateway.synthetic.persons.drawing import SyntheticPerson, make_person, person_seed

__all__ = ["SyntheticPerson", "make_person", "person_seed"]
