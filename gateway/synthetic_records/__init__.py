"""Synthetic national exports for the demo, the tests and the benchmarks.

`make_person(seed, index)` draws one applicant deterministically; the
`sources` functions render them as each national source exports them, clean
or broken on purpose; `generate_exports` writes the files of N persons.
Biometrics (Printrak) plug in through the `printrak_writer` hook.
"""

from __future__ import annotations

from gateway.synthetic_records.exports import PrintrakWriter, generate_exports, no_printrak
from gateway.synthetic_records.persons import SyntheticPerson, make_person, person_seed

__all__ = [
    "PrintrakWriter",
    "SyntheticPerson",
    "generate_exports",
    "make_person",
    "no_printrak",
    "person_seed",
]
