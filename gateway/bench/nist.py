"""Throughput of the ANSI/NIST-ITL reader and writer and of the synthetic matcher.

`run(count)` makes `count` synthetic Printrak transactions (ten fingers and a
face each; making them is not timed) and measures: writing and reading them,
mapping them to the canonical model, extracting templates, searching a
gallery of `count` persons with up to 100 probes, and single template
comparisons. The command line reports what it returns.

Hot paths timed: `gateway.ansi_nist.printrak.write_printrak` and `read_printrak`,
`gateway.ansi_nist.reader.read_transaction`, and of `gateway.synthetic.biometrics`:
`templates_of`, `Gallery.search` and `templates.match`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.ansi_nist.printrak import Header, read_printrak, write_printrak
from gateway.ansi_nist.reader import read_transaction
from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.eurodac import Regime
from gateway.domain.frozen import frozen
from gateway.domain.person import Name, Person
from gateway.domain.record import CanonicalRecord
from gateway.synthetic.biometrics.captures import biometric_set
from gateway.synthetic.biometrics.gallery import Gallery, templates_of
from gateway.synthetic.biometrics.templates import match

__all__ = ["BenchFigures", "run"]

_PROBES = 100
_MATCH_CALLS = 20_000


@frozen
class BenchFigures:
    transactions: int
    records_per_transaction: int  # the Type-1 header included
    bytes_per_transaction: int
    write_per_second: float  # transactions
    read_per_second: float  # transactions, records and fields only
    map_per_second: float  # transactions read and mapped to canonical records
    templates_per_second: float  # biometric sets (ten fingers and a face)
    gallery_comparisons_per_second: float  # probe x enrolled person, ten fingers each
    match_calls_per_second: float  # one finger template against another

    @property
    def write_records_per_second(self) -> float:
        return self.write_per_second * self.records_per_transaction

    @property
    def read_records_per_second(self) -> float:
        return self.read_per_second * self.records_per_transaction


def run(count: int, clock: Callable[[], float] = time.perf_counter) -> BenchFigures:
    """Measure with `count` synthetic persons (at least 1)."""
    count = max(count, 1)
    records = [_record(seed) for seed in range(count)]
    header = Header(tcn="BENCH", ori="BEIO01")

    start = clock()
    files = [write_printrak(record, header) for record in records]
    write_seconds = clock() - start

    start = clock()
    for data in files:
        read_transaction(data)
    read_seconds = clock() - start

    start = clock()
    mapped = [read_printrak(data).biometrics for data in files]
    map_seconds = clock() - start

    start = clock()
    enrolled = [templates_of(biometrics) for biometrics in mapped if biometrics is not None]
    template_seconds = clock() - start

    gallery = Gallery()
    for seed, templates in enumerate(enrolled):
        gallery.enrol(str(seed), templates)
    probes = [
        templates_of(biometric_set(seed, 1, Regime.EURODAC_2024))
        for seed in range(min(count, _PROBES))
    ]
    gallery.search(probes[0])  # builds the gallery's matrices once, as a server would
    start = clock()
    for probe in probes:
        gallery.search(probe)
    search_seconds = clock() - start

    a, b = enrolled[0].fingers[1], probes[0].fingers[1]
    start = clock()
    for _ in range(_MATCH_CALLS):
        match(a, b)
    match_seconds = clock() - start

    return BenchFigures(
        transactions=count,
        records_per_transaction=len(read_transaction(files[0]).records) + 1,
        bytes_per_transaction=sum(map(len, files)) // count,
        write_per_second=count / write_seconds,
        read_per_second=count / read_seconds,
        map_per_second=count / map_seconds,
        templates_per_second=len(enrolled) / template_seconds,
        gallery_comparisons_per_second=len(gallery) * len(probes) / search_seconds,
        match_calls_per_second=_MATCH_CALLS / match_seconds,
    )


def _record(seed: int) -> CanonicalRecord:
    return CanonicalRecord(
        person=Person(name=Name(family=f"PERSON{seed}", given="BENCH")),
        application=Application(identifiers=NationalIdentifiers(io_file_number=f"{seed:07d}")),
        biometrics=biometric_set(seed, 0, Regime.EURODAC_2024),
    )
