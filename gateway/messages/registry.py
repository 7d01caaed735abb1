"""Every message type the gateway builds or reads: its schema, root element and regimes.

A message type is named `<family>.<kind>` (`eurodac.enrolment`,
`dublinet.take-charge-request`). Its schema follows from its regime: the two
Eurodac regulations have a pack each, DubliNet one for both Dublin regimes.
"""

from __future__ import annotations

from gateway.domain.dublin import DublinRegime, DublinReply, RequestType
from gateway.domain.eurodac import Operation, Regime
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import (
    Acknowledgement,
    EurodacErrorReply,
    EurodacHit,
    EurodacMarkingNotice,
    EurodacNoHit,
)
from gateway.domain.requests import (
    EurodacDataAction,
    EurodacStatusUpdate,
    ReexaminationRequest,
    TransferArrangement,
)
from gateway.errors import InputError
from gateway.messages.content import DublinSubmission
from gateway.messages.envelope import MessageRegime

__all__ = [
    "COMMON_NAMESPACE",
    "MESSAGE_TYPES",
    "NAMESPACES",
    "MessageType",
    "message_type",
    "type_of_root",
]

COMMON_NAMESPACE = "urn:eu-gateway:common:v1"
DUBLINET_NAMESPACE = "urn:eu-gateway:dublinet:v1"
NAMESPACES: dict[MessageRegime, str] = {
    Regime.EURODAC_2013: "urn:eu-gateway:eurodac:603-2013:v1",
    Regime.EURODAC_2024: "urn:eu-gateway:eurodac:2024-1358:v1",
    DublinRegime.DUBLIN3: DUBLINET_NAMESPACE,
    DublinRegime.AMMR: DUBLINET_NAMESPACE,
}

UNKNOWN_TYPE = "GW-MSG-UNKNOWN-TYPE"

_EURODAC = (Regime.EURODAC_2013, Regime.EURODAC_2024)
_DUBLIN = (DublinRegime.DUBLIN3, DublinRegime.AMMR)


@frozen
class MessageType:
    """One kind of message: its name, root element, regimes and what it carries."""

    name: str
    root: str
    regimes: tuple[MessageRegime, ...]
    content: type
    description: str
    operation: Operation | None = None
    request_type: RequestType | None = None

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def schemas(self) -> dict[MessageRegime, str]:
        """The namespace (and so the schema) of the message under each of its regimes."""
        return {regime: NAMESPACES[regime] for regime in self.regimes}


def _eurodac(
    kind: str, root: str, content: type, description: str, operation: Operation | None = None
) -> MessageType:
    return MessageType(
        name=f"eurodac.{kind}",
        root=root,
        regimes=_EURODAC,
        content=content,
        description=description,
        operation=operation,
    )


def _request(
    kind: str,
    root: str,
    request_type: RequestType,
    description: str,
    regimes: tuple[DublinRegime, ...] = _DUBLIN,
) -> MessageType:
    return MessageType(
        name=f"dublinet.{kind}",
        root=root,
        regimes=regimes,
        content=DublinSubmission,
        description=description,
        request_type=request_type,
    )


def _dublin(kind: str, root: str, content: type, description: str) -> MessageType:
    return MessageType(
        name=f"dublinet.{kind}",
        root=root,
        regimes=_DUBLIN,
        content=content,
        description=description,
    )


_ALL = (
    _eurodac("enrolment", "Enrolment", CanonicalRecord, "store and compare biometric data",
             operation=Operation.ENROL),
    _eurodac("search", "Search", CanonicalRecord, "compare biometric data without storing them",
             operation=Operation.SEARCH),
    _eurodac("mark", "Mark", EurodacDataAction, "mark stored data", operation=Operation.MARK),
    _eurodac("unmark", "Unmark", EurodacDataAction, "unmark stored data",
             operation=Operation.UNMARK),
    _eurodac("delete", "Delete", EurodacDataAction, "erase stored data in advance",
             operation=Operation.DELETE),
    _eurodac("correct", "Correct", CanonicalRecord, "correct stored data",
             operation=Operation.CORRECT),
    _eurodac("ack", "Acknowledgement", Acknowledgement, "acknowledge receipt"),
    _eurodac("hit", "Hit", EurodacHit, "comparison result: matched records"),
    _eurodac("no-hit", "NoHit", EurodacNoHit, "comparison result: nothing found"),
    _eurodac("error", "Error", EurodacErrorReply, "the Central System refused a transaction"),
    _request("take-charge-request", "TakeChargeRequest", RequestType.TAKE_CHARGE,
             "type 1: ask another state to take charge of an applicant"),
    _request("take-back-request", "TakeBackRequest", RequestType.TAKE_BACK,
             "type 2 under Dublin III: ask another state to take back a person",
             regimes=(DublinRegime.DUBLIN3,)),
    _request("take-back-notification", "TakeBackNotification", RequestType.TAKE_BACK,
             "type 2 under the AMMR: notify the state that must take back a person",
             regimes=(DublinRegime.AMMR,)),
    _request("info-request", "InformationRequest", RequestType.INFORMATION,
             "type 3: request for information"),
    _request("dependent-persons-request", "DependentPersonsRequest",
             RequestType.DEPENDENT_PERSONS, "type 4: dependent persons"),
    _request("minor-family-request", "MinorFamilyRequest", RequestType.UNACCOMPANIED_MINOR_FAMILY,
             "type 5: family of an unaccompanied minor"),
    _request("pre-transfer-information", "PreTransferInformation",
             RequestType.PRE_TRANSFER_INFORMATION, "type 6: information before a transfer"),
    _request("health-certificate", "HealthCertificate", RequestType.HEALTH_CERTIFICATE,
             "type 7: health data before a transfer"),
    _dublin("reply", "Reply", DublinReply, "accept or reject a request"),
    _dublin("reexamination-request", "ReexaminationRequest", ReexaminationRequest,
            "ask to re-examine a negative reply"),
    _dublin("reexamination-reply", "ReexaminationReply", DublinReply,
            "accept or reject after re-examination"),
    _dublin("transfer-arrangement", "TransferArrangement", TransferArrangement,
            "practical arrangements of a transfer"),
    _dublin("ack", "Acknowledgement", Acknowledgement,
            "acknowledge receipt (starts the reply period)"),
    # added after the first pack: last, so that the example messages keep their ids
    _eurodac("status", "StatusUpdate", EurodacStatusUpdate,
             "add what happened to the person after recording", operation=Operation.STATUS),
    _eurodac("marking-notice", "MarkingNotice", EurodacMarkingNotice,
             "the Central System tells of another state's marking of data that had a hit"),
)  # fmt: skip

MESSAGE_TYPES: dict[str, MessageType] = {kind.name: kind for kind in _ALL}

_BY_ROOT: dict[tuple[str, str], MessageType] = {
    (namespace, kind.root): kind for kind in _ALL for namespace in kind.schemas.values()
}


def message_type(name: str) -> MessageType:
    """The message type of a name, or an `InputError` listing the names there are."""
    try:
        return MESSAGE_TYPES[name]
    except KeyError:
        known = ", ".join(sorted(MESSAGE_TYPES))
        raise InputError(UNKNOWN_TYPE, f"no message type {name!r} (types: {known})") from None


def type_of_root(namespace: str | None, root: str) -> MessageType:
    """The message type of a root element, by its namespace and local name."""
    try:
        return _BY_ROOT[(namespace or "", root)]
    except KeyError:
        raise InputError(
            UNKNOWN_TYPE, f"no message type has the root element {{{namespace}}}{root}", "/"
        ) from None
