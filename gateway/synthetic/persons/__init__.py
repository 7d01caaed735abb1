"""Synthetic applicants, one deterministic person per (seed, index) (`make_person`), with
name pools by origin (`names`)."""

from __future__ import annotations

from gateway.synthetic.persons.drawing import SyntheticPerson, make_person, person_seed

__all__ = ["SyntheticPerson", "make_person", "person_seed"]
