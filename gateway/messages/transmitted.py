"""What a message actually carries of its content: the part that survives a round trip.

A national record holds more than the EU side may receive: Eurodac under
Regulation 603/2013 gets no name, DubliNet no biometrics, nobody the national
file numbers. `transmitted` drops what a message of a regime leaves out, so
that `parse(build(x)) == transmitted(x)`; it also documents, as code, what
leaves the country.
"""

from __future__ import annotations

import dataclasses

from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.eurodac import EurodacTransaction, Regime
from gateway.domain.person import Person
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import EurodacHit
from gateway.domain.requests import EurodacDataAction, EurodacStatusUpdate
from gateway.messages.codec import Message
from gateway.messages.content import Content, DublinSubmission
from gateway.messages.envelope import MessageRegime
from gateway.messages.eurodac import UNNAMED

__all__ = ["transmitted"]


def transmitted(message: Message) -> Message:
    """The message as the receiver reads it back."""
    content = _content(message.content, message.envelope.regime)
    return dataclasses.replace(message, content=content)


def _content(content: Content, regime: MessageRegime) -> Content:
    if isinstance(content, CanonicalRecord):
        return _eurodac_record(content, regime)
    if isinstance(content, DublinSubmission):
        record = content.record
        application = _application(record.application, dublin=True)
        return dataclasses.replace(
            content, record=CanonicalRecord(person=record.person, application=application)
        )
    if isinstance(content, EurodacHit) and regime is Regime.EURODAC_2013:
        matches = tuple(
            dataclasses.replace(
                match,
                person=None,
                face=None,
                disembarkation=None,
                security_flag=False,
                mark_reason=None,
            )
            for match in content.matches
        )
        return dataclasses.replace(content, matches=matches)
    if isinstance(content, EurodacStatusUpdate):
        return dataclasses.replace(content, transaction=_transaction(content.transaction))
    if isinstance(content, EurodacDataAction):
        transaction = dataclasses.replace(content.transaction, point=None, delay=None, reason=None)
        return dataclasses.replace(content, transaction=transaction)
    return content


def _transaction(transaction: EurodacTransaction) -> EurodacTransaction:
    """What the Transaction block carries: the point under 2024/1358 only, the delay; the
    reason of a mark travels in the action's own element, never here."""
    point = transaction.point if transaction.regime is Regime.EURODAC_2024 else None
    return dataclasses.replace(transaction, point=point, reason=None)


def _eurodac_record(record: CanonicalRecord, regime: MessageRegime) -> CanonicalRecord:
    person = record.person
    biometrics = record.biometrics
    new = regime is Regime.EURODAC_2024
    if not new:
        person = Person(name=UNNAMED, sex=person.sex)
        if biometrics is not None:
            biometrics = dataclasses.replace(biometrics, face=None)
    transaction = record.transaction
    return CanonicalRecord(
        person=person,
        application=_application(record.application, dublin=False, new=new),
        biometrics=biometrics,
        transaction=None if transaction is None else _transaction(transaction),
        apprehension=record.apprehension,
        disembarkation=record.disembarkation if new else None,
        security_flag=record.security_flag and new,
    )


def _application(
    application: Application | None, *, dublin: bool, new: bool = False
) -> Application | None:
    if application is None:
        return None
    kept = Application(
        identifiers=NationalIdentifiers(),
        place=application.place,
        lodged_on=application.lodged_on,
        made_on=application.made_on if dublin else None,
        registered_on=application.registered_on if dublin or new else None,
        at_border=application.at_border and new,
    )
    empty = Application(identifiers=NationalIdentifiers())
    return None if kept == empty else kept
