"""A stored data set as a hit carries it, by the regime of the comparison and of the data."""

from __future__ import annotations

from gateway.domain.eurodac import ReferenceNumber, Regime
from gateway.domain.record import PlaceAndDate
from gateway.domain.replies import MatchedRecord
from simulators.eurodac import store

__all__ = ["matched_data_set"]


def matched_data_set(candidate: store.StoredRecord, regime: Regime) -> MatchedRecord:
    """A matched data set as the regulation says a hit carries it (603/2013 Art 9(5): the
    data of Art 11(a) to (k) and the mark; 2024/1358 Art 28(4): the data of Art 17(1) and (2)
    and their equivalents, with the mark of Art 31(1) or (4)); under 2024/1358 the person's
    data, face, disembarkation and security flag of data stored under it."""
    full = regime is Regime.EURODAC_2024 and candidate.regime is Regime.EURODAC_2024
    record = candidate.record
    biometrics = record.biometrics
    application = record.application
    day = application and (application.lodged_on or application.registered_on)
    return MatchedRecord(
        reference=ReferenceNumber.parse(candidate.summary.reference),
        captured_on=candidate.captured_on,
        sex=record.person.sex,
        marked=candidate.summary.marked,
        person=record.person if full else None,
        face=biometrics.face if full and biometrics is not None else None,
        fingerprints=biometrics.fingerprints if biometrics is not None else (),
        transmitted_on=candidate.transmitted_on,
        application=PlaceAndDate(place=application.place, on=day) if application and day else None,
        apprehension=record.apprehension,
        disembarkation=record.disembarkation if full else None,
        status=candidate.status,
        security_flag=record.security_flag and full,
        mark_reason=candidate.summary.mark_reason if full else None,
    )
