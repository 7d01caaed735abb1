"""Readers of source exports for the ingest API: bytes and a format in, canonical records out.

    readers = source_readers(Path("mappings"), member_state="BE")
    records, problems = readers["evibel"](body, "csv")

One reader per source (`evibel`, `actio`, `waiting-register`, `printrak`),
each with its specifications compiled once. A reader maps every record of
the export and returns either all of them or every problem found: the
path of a problem is `[i].` (the i-th record of the export, from 0) and the
canonical path; the sentence names the line and the source field.

Evibel and Printrak: a record that names no transaction is an applicant's
enrolment to come, so it is derived as `mappings/evibel.md` and
`mappings/printrak.md` document: operation enrol, category 1 (applicant), the
regime in force on the registration date (Evibel) or the capture date
(Printrak), reference `<member state>1<Immigration Office number on 15
digits>`. An enrolment or a search carries the person's biometrics (the
schemas require them): a record without them is refused here with
GW-IN-BIOMETRICS, before anything is built. Evibel holds no biometrics, so
Evibel records are refused that way: the enrolment goes with the station's
Printrak capture. Actio names a marking transaction after a protection
decision; the Waiting Register names none, and the submission refuses its
records with GW-MSG-MISSING.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from gateway.domain.eurodac import EurodacTransaction, Operation, ReferenceNumber, regime_on
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord
from gateway.errors import InputError
from gateway.mapping import SOURCES, Mapping, load_source_mapping
from gateway.mapping.printrak_source import PRINTRAK, map_printrak
from gateway.mapping.problems import FieldProblem

__all__ = [
    "MAX_RECORDS",
    "Reader",
    "derive_enrolment",
    "missing_biometrics",
    "problem_of",
    "source_readers",
]

Reader = Callable[[bytes, str | None], tuple[list[CanonicalRecord], list[Problem]]]
MAX_RECORDS = 1000  # records in one submission; larger files go through batch upload
FORMAT = "GW-IN-FORMAT"
ENCODING = "GW-IN-ENCODING"
SIZE = "GW-IN-SIZE"
BIOMETRICS = "GW-IN-BIOMETRICS"
_CAPTURES = frozenset({Operation.ENROL, Operation.SEARCH})
_APPLICANT = 1
_EVIBEL = "evibel"


def source_readers(
    mappings_dir: Path, *, member_state: str = "BE", max_records: int = MAX_RECORDS
) -> dict[str, Reader]:
    """A reader for every source with a specification in `mappings_dir`, and for Printrak."""
    readers: dict[str, Reader] = {
        source: _TextReader(
            source,
            {fmt: load_source_mapping(mappings_dir, source, fmt) for fmt in formats},
            member_state=member_state if source == _EVIBEL else None,
            max_records=max_records,
        )
        for source, formats in SOURCES.items()
    }
    readers[PRINTRAK] = functools.partial(_read_printrak, member_state=member_state)
    return readers


def derive_enrolment(record: CanonicalRecord, member_state: str) -> CanonicalRecord:
    """The record with the enrolment its Evibel registration implies, when it names none."""
    application = record.application
    if record.transaction is not None or application is None:
        return record
    registered = application.registered_on or (
        record.biometrics.captured_on if record.biometrics is not None else None
    )
    number = application.identifiers.io_file_number
    national_part = "".join(c for c in (number or "").upper() if c.isascii() and c.isalnum())
    if registered is None or not national_part:
        return record
    try:
        reference = ReferenceNumber(
            member_state=member_state, category=_APPLICANT, national_part=national_part.zfill(15)
        )
    except ValueError:
        return record  # the submission then says GW-MSG-MISSING
    transaction = EurodacTransaction(
        operation=Operation.ENROL,
        regime=regime_on(registered),
        category=_APPLICANT,
        reference=reference,
    )
    return replace(record, transaction=transaction)


def missing_biometrics(record: CanonicalRecord) -> FieldProblem | None:
    """GW-IN-BIOMETRICS when the record asks for an enrolment or search and has no biometrics."""
    transaction = record.transaction
    if transaction is None or transaction.operation not in _CAPTURES:
        return None
    if record.biometrics is not None:
        return None
    return FieldProblem(
        code=BIOMETRICS,
        message=(
            f"an {transaction.operation.value} carries the person's fingerprints, which this "
            "source does not hold: send the station's Printrak capture (source=printrak)"
        ),
        path="biometrics",
    )


def problem_of(problem: FieldProblem, index: int, line: int | None) -> Problem:
    """A mapping problem as the API reports it: `[index].path`, the line and source field said."""
    where = [f"line {line}"] if line is not None else []
    if problem.source:
        where.append(f"source field {problem.source!r}")
    detail = f" ({', '.join(where)})" if where else ""
    path = f"[{index}].{problem.path}" if problem.path else f"[{index}]"
    return Problem(code=problem.code, message=f"{problem.message}{detail}", path=path)


class _TextReader:
    """Maps a text export with the specification of its format."""

    def __init__(
        self,
        source: str,
        mappings: dict[str, Mapping],
        *,
        member_state: str | None,
        max_records: int,
    ) -> None:
        self.source = source
        self.mappings = mappings
        self.member_state = member_state
        self.max_records = max_records

    def __call__(self, body: bytes, fmt: str | None) -> tuple[list[CanonicalRecord], list[Problem]]:
        mapping = self.mappings.get(fmt or next(iter(self.mappings)))
        if mapping is None:
            formats = ", ".join(self.mappings)
            message = f"{self.source} exports come as {formats}, not {fmt}"
            return [], [Problem(code=FORMAT, message=message, path="format")]
        try:
            text = body.decode(mapping.encoding)
        except UnicodeDecodeError:
            message = f"a {self.source} export is {mapping.encoding} text"
            return [], [Problem(code=ENCODING, message=message, path="")]
        records: list[CanonicalRecord] = []
        problems: list[Problem] = []
        try:
            for index, row in enumerate(mapping.read(io.StringIO(text, newline=None))):
                if index >= self.max_records:
                    message = f"a submission holds at most {self.max_records} records"
                    return [], [Problem(code=SIZE, message=message, path="")]
                if row.problem is not None:
                    problems.append(problem_of(row.problem, index, row.number))
                    continue
                result = mapping.map(row.data)
                problems += [problem_of(p, index, row.number) for p in result.problems]
                if result.record is not None:
                    record = self._finished(result.record)
                    missing = missing_biometrics(record)
                    if missing is not None:
                        problems.append(problem_of(missing, index, row.number))
                    records.append(record)
        except InputError as error:
            return [], list(error.problems)
        if not records and not problems:
            problems.append(Problem(code=SIZE, message="the export holds no record", path=""))
        return records, problems

    def _finished(self, record: CanonicalRecord) -> CanonicalRecord:
        if self.member_state is None:
            return record
        return derive_enrolment(record, self.member_state)


def _read_printrak(
    body: bytes, fmt: str | None, *, member_state: str
) -> tuple[list[CanonicalRecord], list[Problem]]:
    if fmt not in (None, "nist", "eft", "an2"):
        message = f"a Printrak transaction is ANSI/NIST-ITL (format nist), not {fmt}"
        return [], [Problem(code=FORMAT, message=message, path="format")]
    result = map_printrak(body)
    if result.record is None:
        return [], [problem_of(p, 0, None) for p in result.problems]
    return [derive_enrolment(result.record, member_state)], []
