"""The Printrak capture file of a synthetic person: the `printrak_writer` of the sample generator.

    generate_exports(count=100, seed=1, out=Path("var/sample"), printrak_writer=write_capture)

Each person gets one ANSI/NIST-ITL transaction (`mappings/printrak.md`),
`printrak/capture-<index>.eft`, taken at a fingerprint station on the day the
application was registered, under the Eurodac regime of that day (ten
fingers; and a face from 12 June 2026). The identity fields are written the
way the Evibel mapping reads the person's Evibel row (same Latin and
original names, script, birth date and identifiers), so that merging the
sources finds no conflict where the person is the same.

The biometrics are `gateway.synthetic.biometrics.biometric_set(person.seed, 0, regime)`:
a later capture of the same person, `biometric_set(person.seed, 1, regime)`,
matches it; another person's does not.
"""

from __future__ import annotations

from pathlib import Path

from gateway.ansi_nist.printrak import Header, write_printrak
from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.eurodac import Regime
from gateway.domain.person import Name, Person, Sex
from gateway.domain.record import CanonicalRecord
from gateway.mapping.transforms import name_value
from gateway.synthetic.biometrics.captures import biometric_set
from gateway.synthetic.persons import SyntheticPerson

__all__ = ["STATION", "capture_file_name", "capture_record", "write_capture"]

STATION = "BEIO01"


def capture_file_name(person: SyntheticPerson) -> str:
    """The file of a person's capture: by index, since Immigration Office numbers may repeat."""
    return f"capture-{person.index:06d}.eft"


def capture_record(person: SyntheticPerson, capture_no: int = 0) -> CanonicalRecord:
    """What the station knows of the person at capture `capture_no`: identity and biometrics."""
    regime = Regime(person.eurodac_regime)
    names = name_value(
        person.family,
        person.given,
        "" if person.family_original.isascii() else person.family_original,
        "" if person.given_original.isascii() else person.given_original,
        upper_family=True,
    )
    return CanonicalRecord(
        person=Person(
            name=Name(**names),
            sex=Sex(person.sex),
            birth_date=person.birth,
            birth_place=person.birth_place,
            nationalities=(person.origin.nationality,),
        ),
        application=Application(
            identifiers=NationalIdentifiers(
                io_file_number=person.io_number, national_number=person.national_number
            )
        ),
        biometrics=biometric_set(
            person.seed, capture_no, regime, captured_on=person.registered_on, station=STATION
        ),
    )


def write_capture(person: SyntheticPerson, directory: Path) -> None:
    """Write the person's first capture as a Printrak transaction file under `directory`."""
    header = Header(tcn=f"{STATION}-{person.registered_on.year}-{person.index:06d}", ori=STATION)
    data = write_printrak(capture_record(person), header)
    (directory / capture_file_name(person)).write_bytes(data)
