"""The sample Printrak files of `mappings/samples/printrak/`, made by the gateway's own writer.

Regenerate them with::

    .venv/bin/python -c "from gateway.synthetic.exports.printrak_samples import write_samples; \\
        write_samples('mappings/samples/printrak')"
"""

from __future__ import annotations

from pathlib import Path

from gateway.ansi_nist.printrak import Header, biometric_set_to_transaction, write_printrak
from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import Regime
from gateway.domain.national_number import NumberKind, make_national_number
from gateway.domain.person import Name, Person, Sex
from gateway.domain.record import CanonicalRecord
from gateway.synthetic.biometrics.captures import biometric_set

__all__ = ["sample_files", "write_samples"]


def sample_files() -> dict[str, bytes]:
    """File name to bytes: two station captures and the Eurodac payload of a later capture."""
    omar_birth = PartialDate(year=1994, month=3, day=17)
    omar = CanonicalRecord(
        person=Person(
            name=Name(
                family="AL-HASSAN",
                given="OMAR",
                family_original="الحسن",
                given_original="عمر",
                script="Arab",
            ),
            sex=Sex.MALE,
            birth_date=omar_birth,
            birth_place="HOMS",
            nationalities=("SYR",),
        ),
        application=Application(
            identifiers=NationalIdentifiers(
                io_file_number="8123456",
                national_number=make_national_number(omar_birth, 123, NumberKind.BIS_SEX_KNOWN),
            )
        ),
        biometrics=biometric_set(1, 0, Regime.EURODAC_2024),
    )
    olena = CanonicalRecord(
        person=Person(
            name=Name(
                family="KOVALENKO",
                given="OLENA",
                family_original="Коваленко",
                given_original="Олена",
                script="Cyrl",
            ),
            sex=Sex.FEMALE,
            birth_date=PartialDate(year=1979),
            nationalities=("UKR",),
        ),
        application=Application(identifiers=NationalIdentifiers(io_file_number="7012345")),
        biometrics=biometric_set(2, 0, Regime.EURODAC_2013),
    )
    return {
        "applicant-2024-type14.eft": write_printrak(
            omar, Header(tcn="BEIO01-2026-000001", ori="BEIO01")
        ),
        "applicant-2013-type4.an2": write_printrak(
            olena, Header(tcn="BEIO02-2026-000002", ori="BEIO02"), finger_record_type=4
        ),
        "eurodac-payload-2024.an2": biometric_set_to_transaction(
            biometric_set(1, 1, Regime.EURODAC_2024),
            Header(tcn="BE1-2026-000003", ori="BEEUGW", dai="EUEURODAC", tot="EUD"),
        ),
    }


def write_samples(directory: str | Path) -> None:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sample_files().items():
        (folder / name).write_bytes(data)
