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
from collections.abc import Callable, Generator, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from gateway.domain.eurodac import EurodacTransaction, Operation, ReferenceNumber
from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord
from gateway.domain.rules import regime_of
from gateway.domain.serialization import decode_record
from gateway.errors import GatewayError, InputError
from gateway.mapping import SOURCES, Mapping, load_source_mapping
from gateway.mapping.printrak_source import PRINTRAK, map_printrak
from gateway.mapping.problems import FieldProblem
from gateway.mapping.readers import FORMAT as MAPPED_FORMAT
from gateway.mapping.readers import HEADER, read_json_rows

__all__ = [
    "CANONICAL",
    "MAX_RECORDS",
    "ReadRecord",
    "Reader",
    "RecordSource",
    "derive_enrolment",
    "missing_biometrics",
    "problem_of",
    "record_sources",
    "source_readers",
]

Reader = Callable[[bytes, str | None], tuple[list[CanonicalRecord], list[Problem]]]


@frozen
class ReadRecord:
    """One record of an export: mapped (with every problem empty), or its problems.

    A record may be mapped and still have problems (an enrolment without biometrics)."""

    index: int  # position in the export, from 0
    line: int | None
    record: CanonicalRecord | None = None
    problems: tuple[Problem, ...] = ()


class RecordSource(Protocol):
    """A source whose exports can be read record by record (batch upload)."""

    @property
    def formats(self) -> tuple[str, ...]: ...

    def records(self, stream: BinaryIO, fmt: str | None) -> Iterator[ReadRecord]: ...

    def check(self, stream: BinaryIO, fmt: str | None) -> None:
        """Refuse an export whose header does not fit its specification (`InputError`:
        GW-MAP-HEADER, GW-MAP-FORMAT), before any record; other problems are left to
        `records`."""


MAX_RECORDS = 1000  # records in one submission; larger files go through batch upload
FORMAT = "GW-IN-FORMAT"
ENCODING = "GW-IN-ENCODING"
SIZE = "GW-IN-SIZE"
BIOMETRICS = "GW-IN-BIOMETRICS"
_CAPTURES = frozenset({Operation.ENROL, Operation.SEARCH})
_APPLICANT = 1
_EVIBEL = "evibel"
CANONICAL = "canonical"


def record_sources(readers: MappingABC[str, Reader]) -> dict[str, RecordSource]:
    """Of `source_readers`, those of text exports, which can be read record by record
    (a Printrak file is one record); and `canonical`: canonical records as JSON lines
    (what `eugw merge` prints), decoded like the canonical submissions."""
    found: dict[str, RecordSource] = {
        name: reader for name, reader in readers.items() if isinstance(reader, _TextReader)
    }
    found[CANONICAL] = _CanonicalRecords()
    return found


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
    """The record with the enrolment its Evibel registration implies, when it names none.

    Its regime is the one `regime_of` gives: that of the day the biometric data were taken,
    else of the registration (the one rule the checks and the Central System apply too).
    """
    application = record.application
    if record.transaction is not None or application is None:
        return record
    taken = record.biometrics.captured_on if record.biometrics is not None else None
    number = application.identifiers.io_file_number
    national_part = "".join(c for c in (number or "").upper() if c.isascii() and c.isalnum())
    day = taken or application.registered_on
    if day is None or not national_part:
        return record
    try:
        reference = ReferenceNumber(
            member_state=member_state, category=_APPLICANT, national_part=national_part.zfill(15)
        )
    except ValueError:
        return record  # the submission then says GW-MSG-MISSING
    transaction = EurodacTransaction(
        operation=Operation.ENROL,
        regime=regime_of(record, day),
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

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self.mappings)

    def records(self, stream: BinaryIO, fmt: str | None) -> Iterator[ReadRecord]:
        """The export's records one at a time, each mapped or with its problems.

        A format the source does not come in is refused at once (`GW-IN-FORMAT`); text that
        is not in the specification's encoding raises `UnicodeDecodeError` where it is met,
        and a file that cannot be parsed at all (`GW-IN-JSON`, a broken CSV) `InputError`.
        """
        return self._mapped(self._mapping(fmt), stream)

    def _mapping(self, fmt: str | None) -> Mapping:
        mapping = self.mappings.get(fmt or self.formats[0])
        if mapping is None:
            message = f"{self.source} exports come as {', '.join(self.formats)}, not {fmt}"
            raise InputError(FORMAT, message, "format")
        return mapping

    def check(self, stream: BinaryIO, fmt: str | None) -> None:
        """Raise the header's problems (`Mapping.read` checks it before the first row)."""
        records = self._mapped(self._mapping(fmt), stream)
        try:
            next(records, None)
        except InputError as error:
            if error.code in (HEADER, MAPPED_FORMAT):
                raise
        except (UnicodeDecodeError, GatewayError):
            pass  # reported by `records` where it is met, as before
        finally:
            records.close()

    def _mapped(self, mapping: Mapping, stream: BinaryIO) -> Generator[ReadRecord, None, None]:
        # The wrapper closes with the generator, and the stream with it.
        with io.TextIOWrapper(stream, encoding=mapping.encoding, newline=None) as text:
            yield from self._rows(mapping, text)

    def _rows(self, mapping: Mapping, text: TextIO) -> Iterator[ReadRecord]:
        for index, row in enumerate(mapping.read(text)):
            if row.problem is not None:
                problem = problem_of(row.problem, index, row.number)
                yield ReadRecord(index=index, line=row.number, problems=(problem,))
                continue
            result = mapping.map(row.data)
            problems = [problem_of(p, index, row.number) for p in result.problems]
            record = None if result.record is None else self._finished(result.record)
            missing = None if record is None else missing_biometrics(record)
            if missing is not None:
                problems.append(problem_of(missing, index, row.number))
            yield ReadRecord(index=index, line=row.number, record=record, problems=tuple(problems))

    def __call__(self, body: bytes, fmt: str | None) -> tuple[list[CanonicalRecord], list[Problem]]:
        records: list[CanonicalRecord] = []
        problems: list[Problem] = []
        try:
            for read in self.records(io.BytesIO(body), fmt):
                if read.index >= self.max_records:
                    message = f"a submission holds at most {self.max_records} records"
                    return [], [Problem(code=SIZE, message=message, path="")]
                problems += read.problems
                if read.record is not None:
                    records.append(read.record)
        except UnicodeDecodeError:
            encoding = self.mappings[fmt or self.formats[0]].encoding
            message = f"a {self.source} export is {encoding} text"
            return [], [Problem(code=ENCODING, message=message, path="")]
        except InputError as error:
            return [], list(error.problems)
        if not records and not problems:
            problems.append(Problem(code=SIZE, message="the export holds no record", path=""))
        return records, problems

    def _finished(self, record: CanonicalRecord) -> CanonicalRecord:
        if self.member_state is None:
            return record
        return derive_enrolment(record, self.member_state)


class _CanonicalRecords:
    """Canonical records, one JSON object per line (or a JSON array)."""

    formats = ("json",)

    def check(self, stream: BinaryIO, fmt: str | None) -> None:
        """Canonical records have no header: each is decoded whole (unknown fields refused)."""

    def records(self, stream: BinaryIO, fmt: str | None) -> Iterator[ReadRecord]:
        if fmt not in (None, "json"):
            raise InputError(FORMAT, f"canonical records come as JSON, not {fmt}", "format")
        return self._decoded(stream)

    def _decoded(self, stream: BinaryIO) -> Iterator[ReadRecord]:
        with io.TextIOWrapper(stream, encoding="utf-8", newline=None) as text:
            for index, row in enumerate(read_json_rows(text)):
                if row.problem is not None:
                    problem = problem_of(row.problem, index, row.number)
                    yield ReadRecord(index=index, line=row.number, problems=(problem,))
                    continue
                decoded = decode_record(row.data)
                problems = [
                    problem_of(
                        FieldProblem(code=p.code, message=p.message, path=p.path), index, None
                    )
                    for p in decoded.problems
                ]
                missing = None if decoded.value is None else missing_biometrics(decoded.value)
                if missing is not None:
                    problems.append(problem_of(missing, index, None))
                yield ReadRecord(
                    index=index, line=row.number, record=decoded.value, problems=tuple(problems)
                )


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
