"""The gateway's exception tree and the catalogue of its stable error codes.

    GatewayError
    ├── InputError      bad input from a user or a national system (GW-VAL-*, GW-MAP-*, GW-IN-*)
    ├── ConfigError     bad configuration or usage (GW-CFG-*)
    ├── SecurityError   signatures, certificates, TLS (GW-SIG-*, GW-TLS-*)
    ├── RemoteError     the other side answered, and said no (GW-RMT-*)
    └── TransportError  the other side could not be reached (GW-TRN-*)

Foreign exceptions (lxml, signxml, aiohttp, databases) are caught where the
library is called and raised again as one of these. A user sees the code,
a sentence and the field path, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.domain.problems import Problem

__all__ = [
    "ERROR_CODES",
    "ConfigError",
    "GatewayError",
    "InputError",
    "RemoteError",
    "SecurityError",
    "TransportError",
]

# Every code the gateway emits, with what it means. Codes never change meaning;
# a test checks that each code used in the package is listed here.
ERROR_CODES: dict[str, str] = {
    "GW-CFG-INVALID": "A setting has a value the gateway cannot use.",
    "GW-CFG-UNKNOWN": "A setting or configuration key the gateway does not know.",
    "GW-CFG-FILE": "The configuration file cannot be read or is not valid TOML.",
    "GW-CFG-USAGE": "A command was called with arguments it cannot use.",
    "GW-CFG-NO-STORE": "The gateway's store does not exist where the settings point (data_dir, "
    "database_url); commands that read it never create it.",
    "GW-IN-FILE": "An input file cannot be read.",
    "GW-IN-JSON": "An input is not valid JSON.",
    "GW-IN-SOURCE": "The submission names a source the gateway has no mapping for.",
    "GW-IN-SIZE": "The submission is empty or holds more records than allowed.",
    "GW-IN-IDEMPOTENCY-CONFLICT": "The idempotency key was already used for a different request.",
    "GW-VAL-REQUIRED": "A required field is missing.",
    "GW-VAL-UNKNOWN-FIELD": "A field the canonical model does not have.",
    "GW-VAL-TYPE": "A field has the wrong JSON type.",
    "GW-VAL-ENUM": "A field's value is not one of the allowed values.",
    "GW-VAL-FORMAT": "A field's value is not in the expected format.",
    "GW-VAL-NATIONAL-NUMBER": "A Belgian national number fails its check.",
    "GW-VAL-COUNTRY-CODE": "A country or nationality code is not ISO 3166-1 alpha-3.",
    "GW-VAL-MINIMUM-AGE": "The person is under the minimum age of the Eurodac regime.",
    "GW-VAL-BIRTH-AFTER-EVENT": "The date of birth is after the day the data were taken.",
    "GW-VAL-DATE-ORDER": "Dates that must follow each other do not.",
    "GW-VAL-CATEGORY": "The Eurodac category does not exist under the regime.",
    "GW-VAL-REFERENCE": "The Eurodac reference number does not fit the transaction.",
    "GW-VAL-FINGER-TWICE": "The same finger position is given twice.",
    "GW-VAL-QUALITY": "A fingerprint quality score is out of range.",
    "GW-VAL-FACE-REQUIRED": "The transaction needs a facial image and has none.",
    "GW-VAL-REGIME": (
        "The transaction names another Eurodac regulation than the one of the day its data "
        "were taken (docs/law.md, the regime)."
    ),
    "GW-VAL-POINT": "The Eurodac category needs the point of its article, or has no such point.",
    "GW-VAL-NOT-RECORDED": "An enrolment asks to record data the regulation only compares.",
    "GW-VAL-REASON": "A Eurodac reason is unknown, or given to an operation that takes none.",
    "GW-VAL-DELAY": "A late transmission's ground is not one the law allows for its category.",
    "GW-VAL-MARK-CATEGORY": "The regulation does not mark data of this Eurodac category.",
    "GW-VAL-MARK-REASON": "The reason is no ground to mark data of this category.",
    "GW-VAL-UNMARK-REASON": "The reason is no ground to unmark these data (or another mark).",
    "GW-VAL-ERASURE-CATEGORY": "Data of this category are never recorded: nothing to erase.",
    "GW-VAL-ERASURE-REASON": "The reason is no ground to erase data of this category early.",
    "GW-VAL-STATUS": "A status update the regulation does not provide for, or without its data.",
    "GW-VAL-NOT-IN-REGIME": "A field the Eurodac regulation of the transaction does not record.",
    "GW-VAL-EVENT-REQUIRED": (
        "The data set lacks the place and date of the apprehension or disembarkation its "
        "category includes."
    ),
    "GW-INTERNAL": "An unexpected error inside the gateway; the log has the details.",
    # broker and store
    "GW-BRK-TRANSITION": "A message cannot take that event in its current state.",
    "GW-BRK-LEASE-LOST": "A worker reported on a message whose lease another worker holds.",
    "GW-BRK-UNKNOWN": "No message has that id.",
    "GW-BRK-PURGED": "The message body was erased after its retention period.",
    "GW-TRN-REFUSED": "The peer could not be reached (connection refused or reset).",
    "GW-TRN-TIMEOUT": "The peer did not answer in time.",
    "GW-TLS-HANDSHAKE": "The TLS handshake with a peer failed (its certificate is not trusted).",
    "GW-TRN-RETRY": "A concurrent operation failed; the same request can be sent again.",
    "GW-TRN-HTTP": "The peer answered with a temporary HTTP error (5xx, 408 or 429).",
    "GW-RMT-REFUSED": "The peer refused the message for good (HTTP 4xx).",
    "GW-STORE-UNAVAILABLE": "The store cannot be reached for now; the work is tried again.",
    "GW-CPU-WORKER": "A worker process stopped during the signing or verifying; try again.",
    "GW-STORE-OPEN": "The message store cannot be opened or reached.",
    "GW-STORE-CORRUPT": (
        "The store's database file is damaged (SQLite's checks fail, or a page cannot be "
        "read): the gateway refuses to work on it; restore it from a backup "
        "(`eugw store check` lists what is wrong)."
    ),
    "GW-STORE-MISSING": (
        "The store file is missing, empty or another store's, while its marker says this "
        "store held data there: restore the file, or remove the marker to start empty."
    ),
    "GW-STORE-FAILED": (
        "The store refused a change (a constraint or a statement it could not run); the "
        "change and the others committed with it were rolled back."
    ),
    "GW-STORE-DEADLOCK": (
        "PostgreSQL aborted the transaction to break a deadlock, every time it was run "
        "again; nothing of it was kept and the work can be tried again."
    ),
    "GW-STORE-SERIALIZATION": (
        "PostgreSQL aborted the transaction for a serialization failure (a concurrent "
        "change), every time it was run again; nothing of it was kept."
    ),
    "GW-SEAL-FORMAT": "A stored message body is not in a known sealed format.",
    "GW-SEAL-KEY": "The key that sealed a stored body is missing from the key ring.",
    "GW-SEAL-TAMPERED": "A stored body was altered or belongs to another message.",
    # tracking: deadlines, hits, Dublin cases
    "GW-DL-CALENDAR": "No holiday calendar of that name is known.",
    "GW-DL-DATE": "A deadline date is not a calendar date of the form YYYY-MM-DD.",
    "GW-DL-NO-SUCH-STEP": "The Dublin regime has no such procedural step.",
    "GW-DL-NO-SUCH-VARIANT": "The step has no such variant (extension) in the regime.",
    "GW-DL-NOT-LAID-DOWN": "The regulation leaves the time limit to an implementing act.",
    "GW-DL-UNVERIFIED": "The engine holds no verified period for this step and variant yet.",
    "GW-DL-REGIME-MISMATCH": "The regime given does not govern an application registered then.",
    "GW-HIT-ALREADY-VERIFIED": "The hit was already confirmed or rejected by an expert.",
    "GW-CASE-TRANSITION": "The Dublin case cannot move from its state on that event.",
    "GW-CASE-REFUSAL-REASONS": "A refusal of another state's request states its legal basis and "
    "full and detailed reasons (Reg 1560/2003 Art 5(1)).",
    # security: signatures, certificates, TLS
    "GW-SIG-MISSING": "The message is not signed.",
    "GW-SIG-WRAPPING": "The signature is misplaced, duplicated or covers less than the whole "
    "document (signature wrapping).",
    "GW-SIG-ALGORITHM": "The signature uses an algorithm the gateway does not accept (SHA-1...).",
    "GW-SIG-MALFORMED": "The signature element is incomplete or cannot be read.",
    "GW-SIG-NO-CERTIFICATE": "The signature does not embed the signing certificate.",
    "GW-SIG-INVALID": "The signature does not hold: the content changed after signing.",
    "GW-SIG-UNSIGNED": "A signed document carries what its signature does not cover (a comment, "
    "a processing instruction, a ds:Object).",
    "GW-SIG-UNTRUSTED": "The signing certificate does not chain to a CA trusted for its party.",
    "GW-SIG-EXPIRED": "A certificate of the signature had expired at the signing time.",
    "GW-SIG-NOT-YET-VALID": "A certificate of the signature was not yet valid at the signing time.",
    "GW-SIG-REVOKED": "A certificate of the signature is on a revocation list.",
    "GW-SIG-WRONG-SIGNER": "The message is signed by a peer other than the expected one.",
    "GW-SIG-SIGNING": "The gateway could not sign a message.",
    "GW-SIG-ALREADY-SIGNED": "The element to sign already holds a signature.",
    "GW-SIG-ROOT-ID": "The element to sign carries an Id attribute; the signature covers it whole.",
    "GW-PKI-NO-PEER-ID": "A certificate does not name exactly one peer in its SAN URI.",
    "GW-PKI-TRUST-STORE": "The trust store holds no CA certificate.",
    "GW-PKI-PEM": "A PEM file of certificates, keys or revocation lists cannot be read.",
    "GW-PKI-CRL-INVALID": "A revocation list is not signed by a CA of the trust store.",
    "GW-PKI-KEY": "A signing key or its certificate cannot be used.",
    "GW-PKI-NO-ACTIVE-KEY": "The configured signing key does not exist.",
    "GW-PKI-NO-KEY": "The signing keys directory holds no signing key (eugw certs init makes a "
    "demo one).",
    "GW-PKI-KEY-EXPIRED": "The signing key's certificate is not valid at the signing time.",
    "GW-TLS-NO-PEER-CERT": "The other side of a TLS connection presented no certificate.",
    "GW-TLS-UNTRUSTED-PARTY": "A TLS certificate names a party whose CAs did not issue it.",
    "GW-TLS-NO-ANCHOR": "The trust store has no CA to verify a TLS peer with.",
    "GW-TLS-CERT": "The gateway's TLS certificate or key cannot be loaded.",
    # messages and validation
    "GW-XML-TOO-LARGE": "An XML document is larger than the configured limit (max_xml_bytes).",
    "GW-XML-TOO-DEEP": "An XML document is nested deeper than the limit (max_xml_depth).",
    "GW-XML-DTD": "An XML document has a document type declaration or names an external DTD.",
    "GW-XML-ENTITY": "An XML document declares or uses an external or undefined entity (XXE).",
    "GW-XML-ENTITY-EXPANSION": "An XML document declares entities (entity expansion).",
    "GW-XML-SYNTAX": "An XML document is not well-formed.",
    "GW-JSON-TOO-LARGE": "A JSON document is larger than the gateway accepts.",
    "GW-JSON-TOO-DEEP": "A JSON document nests arrays and objects deeper than 64 levels.",
    "GW-VAL-NAMESPACE": "No schema of the pack validates the document's root namespace.",
    "GW-VAL-SCHEMA": "A message does not conform to its XSD schema.",
    "GW-CFG-SCHEMA-PACK": "The schema pack is missing, unreadable or refers outside itself.",
    "GW-MSG-UNKNOWN-TYPE": "No message type has this name or root element.",
    "GW-MSG-CONTENT": "The content does not fit the message type (kind, operation, request type).",
    "GW-MSG-REGIME": "The message type does not exist under the regime, or the regime is wrong.",
    "GW-MSG-TYPE-MISMATCH": "The envelope's message type is not the root element's.",
    "GW-MSG-VALUE": "A value valid for the schema cannot be held by the canonical model.",
    "GW-MSG-MISSING": "An element the reader needs is missing (the message was not validated).",
    # HTTP API and inbound endpoint
    "GW-API-UNAUTHENTICATED": "The request has no valid bearer token.",
    "GW-API-FORBIDDEN": "The token does not grant the role the endpoint needs.",
    "GW-API-NOT-FOUND": "No such resource.",
    "GW-API-METHOD": "The endpoint does not take that HTTP method.",
    "GW-API-TOO-LARGE": "The request body is larger than the gateway accepts.",
    "GW-API-REQUEST": "The HTTP request cannot be served as sent.",
    "GW-API-QUERY": "A query parameter has a value the endpoint cannot use.",
    "GW-API-IDEMPOTENCY-KEY": "A submission needs an Idempotency-Key header.",
    "GW-API-PATH": "An id in the URL is longer than 200 characters or holds a control character.",
    "GW-API-BODY-TIMEOUT": "The request body did not arrive within body_timeout_seconds.",
    "GW-API-BUSY": (
        "The gateway holds as many request bodies as it may (max_body_memory_bytes); "
        "send the request again after Retry-After seconds."
    ),
    "GW-API-RATE-LIMITED": (
        "The token sent more requests than its rate limit allows (rate_limit_per_second, "
        "rate_limit_burst); send again after Retry-After seconds."
    ),
    "GW-AUDIT-BROKEN": "The audit trail's hash chain is broken at the named entry.",
    "GW-AUDIT-REWRITTEN": "The audit trail differs from a signed checkpoint: an entry at or "
    "before it was altered and the hashes after it recomputed.",
    "GW-AUDIT-TRUNCATED": "The audit trail lacks an entry a signed checkpoint vouches for "
    "(its end was cut off, or the entry removed).",
    "GW-AUDIT-CHECKPOINT": "An audit checkpoint is refused: unreadable, its signature does not "
    "hold, or not signed by a gateway key of this member state.",
    "GW-AUDIT-CHECKPOINT-WRITE": "The audit checkpoint file cannot be appended to (permissions, "
    "space, not a regular file, writable by others).",
    "GW-IN-NO-TOKEN": "No API token has that id.",
    "GW-IN-NOT-AN-ACK": "A peer answered a delivery with something other than its acknowledgement.",
    "GW-IN-STALE": "An inbound message's creation time is too far from the time of receipt.",
    "GW-IN-WRONG-SENDER": "The envelope's sender is not the peer that signed and delivered it.",
    "GW-IN-NOT-FOR-US": "An inbound message is addressed to another system or member state.",
    "GW-IN-WRONG-SYSTEM": "Eurodac messages come from the Central System only, DubliNet messages "
    "from another member state's access point only.",
    "GW-IN-NOT-YOUR-MESSAGE": "An acknowledgement or answer names a message that was sent to "
    "another party.",
    "GW-IN-WRONG-STATE": "A DubliNet message names another state than its sender as the one "
    "requesting, replying or transferring.",
    "GW-IN-NOT-YOUR-CASE": "A message on a Dublin case comes from a state other than the case's.",
    "GW-IN-TIME": "An inbound message's times are impossible (received before we sent, made "
    "after now).",
    # ANSI/NIST-ITL transactions (Printrak, Eurodac biometric payload) and synthetic biometrics
    "GW-NIST-TOO-LARGE": "An ANSI/NIST-ITL file, record or field exceeds the gateway's limits.",
    "GW-NIST-TRUNCATED": "An ANSI/NIST-ITL file ends before a record it announces.",
    "GW-NIST-TAG": "An ANSI/NIST-ITL field does not start with a tag of its record.",
    "GW-NIST-LEN": "An ANSI/NIST-ITL record's LEN field is missing or not a byte count.",
    "GW-NIST-SEPARATOR": "An ANSI/NIST-ITL record has a separator where none may be.",
    "GW-NIST-DUPLICATE-FIELD": "An ANSI/NIST-ITL field appears twice in one record.",
    "GW-NIST-CNT": "The Type-1 CNT field (1.003) is malformed or does not match the records.",
    "GW-NIST-IDC": "An ANSI/NIST-ITL record's IDC is malformed or differs from the CNT.",
    "GW-NIST-RECORD-TYPE": "An ANSI/NIST-ITL record type the gateway does not read.",
    "GW-NIST-ENCODING": "ANSI/NIST-ITL text that is not in the character set of 1.015 (DCS).",
    "GW-NIST-TRAILING": "Bytes follow the last record of an ANSI/NIST-ITL file.",
    "GW-NIST-IMAGE": "An ANSI/NIST-ITL image does not match its stated size.",
    "GW-NIST-VALUE": "An ANSI/NIST-ITL field has a value the gateway cannot use or write.",
    "GW-NIST-REQUIRED": "A field required in an ANSI/NIST-ITL record is missing.",
    "GW-NIST-DATE": "An ANSI/NIST-ITL date is not a date YYYYMMDD.",
    "GW-NIST-UNSUPPORTED": "An image format the ANSI/NIST-ITL writer cannot describe.",
    "GW-BIO-IMAGE": "A biometric image from which no template can be extracted.",
    "GW-BIO-TEMPLATE": "Biometric templates of different kinds cannot be compared.",
    "GW-BIO-SEED": "A synthetic person seed or capture number is negative.",
    # mapping
    "GW-MAP-SPEC": "A mapping specification or code list is refused (file and line given).",
    "GW-MAP-ROW": "A source record cannot be read (not JSON, not an object, wrong CSV columns).",
    "GW-MAP-HEADER": "A source export's header does not fit its specification: a column or key "
    "the specification reads is missing, or one it does not know is there; the whole export "
    "is refused before any record.",
    "GW-MAP-FORMAT": "A source export's content is not in its format (JSON read as CSV, another "
    "CSV delimiter, ...).",
    "GW-MAP-REQUIRED": "A source field the mapping requires is missing or empty.",
    "GW-MAP-TYPE": "A source field has a type the mapping cannot use (an object for text...).",
    "GW-MAP-DATE": "A source date is not in an accepted format, or does not exist.",
    "GW-MAP-CODE": "A source code is not in the code list the mapping names.",
    "GW-MAP-NATIONAL-NUMBER": "A source Belgian national number fails its check.",
    "GW-MAP-NAME": "A source name cannot be written in Latin characters.",
    "GW-MAP-CONFLICT": "Two sources give different values for the same field of one person.",
    "GW-MAP-JOIN": "A source record has neither an Immigration Office nor a national number.",
    # simulators of the EU side (the simulators package)
    "GW-SIM-WRONG-SENDER": "The envelope's sender, the signer and the TLS client are not one peer.",
    "GW-SIM-WRONG-RECIPIENT": "The message is addressed to another party than the endpoint.",
    "GW-SIM-UNEXPECTED-TYPE": "The simulated endpoint does not take messages of that type.",
    "GW-SIM-MESSAGE-ID": "The X-Message-Id header is not the envelope's message id.",
    "GW-SIM-CLOCK": "The message was created too far in the future (clock skew).",
    "GW-SIM-UNKNOWN-ENDPOINT": "No simulated endpoint at that path or of that name.",
    "GW-SIM-BAD-ACK": "The gateway's answer is not a signed acknowledgement of the message.",
    "GW-SIM-SPOILED-REFUSED": "The gateway refused a message whose signature a fault spoiled; "
    "it is sent again.",
    "GW-SIM-CERTS": "The keys and certificates of a simulated party are missing.",
    "GW-SIM-FAULT": "An unknown fault or a bad fault value (or an injected HTTP error).",
    "GW-SIM-POLICY": "A DubliNet peer's answering policy cannot be used.",
    "GW-SIM-CONTROL": "A request to the simulators' control API cannot be carried out.",
    "GW-SIM-UNAUTHORISED": "The control API needs its bearer token.",
    "GW-SIM-SCENARIO": "A scenario file or one of its records is malformed.",
    # sources: ingest of source exports, batch upload
    "GW-IN-FORMAT": "A source export's format is not one the source comes in.",
    "GW-IN-ENCODING": "A source export is not text in its specification's encoding.",
    "GW-IN-BIOMETRICS": "An enrolment or search needs biometrics that the source does not hold.",
    "GW-BATCH-SOURCE": "A batch upload names no source, or one whose exports are not read "
    "record by record.",
    "GW-BATCH-TOO-LARGE": "A batch file is larger than max_batch_bytes.",
    "GW-BATCH-UNREADABLE": "A batch file could not be read to its end (not text, cut short).",
    # tracking: hits, Dublin cases, deadlines, results
    "GW-HIT-UNKNOWN": "There is no hit with this id.",
    "GW-HIT-STATE": "A hit state that does not exist (pending, confirmed, rejected).",
    "GW-HIT-VERDICT": "A verdict on a hit is incomplete (a rejection needs its reason).",
    "GW-HIT-NO-REPORT": "No wrong-hit report is due for this hit (not rejected, or reported).",
    "GW-CASE-UNKNOWN": "There is no Dublin case with this id.",
    "GW-CASE-CONFLICT": "The case changed meanwhile (another process moved it first).",
    "GW-CASE-EXISTS": "The case of this hit is open already.",
    "GW-CASE-NO-PROPOSAL": "The hit is not confirmed or proposes no Dublin step.",
    "GW-CASE-NO-RECORD": "The record a hit answers is no longer kept; the request cannot be built.",
    "GW-CASE-QUERY": "A case listing query that is not understood.",
    "GW-CASE-REPLY": "A reply that cannot be sent: not an incoming case, or a bad outcome.",
    "GW-CASE-EVENT": (
        "An event operators cannot record on a case (they record the transfer, a withdrawal "
        "and the person's situation), or its reason is not 1 to 2000 characters of text."
    ),
    "GW-CASE-VARIANT": (
        "A change of the person's situation that says nothing new (detained already, not "
        "detained, the extension recorded already), or an extension of the transfer time "
        "limit recorded after that limit ended (Reg 1560/2003 Art 9(2))."
    ),
    "GW-CASE-PLAN": (
        "A planned case is incomplete: kind, requested state, record, legal basis, or an "
        "urgent reply asked without its reasons."
    ),
    "GW-CASE-MESSAGE": (
        "A message that cannot be sent on this case: not one this side sends on such a case, "
        "the case is closed or cannot take it now, or its details are missing."
    ),
    "GW-CASE-UNMATCHED": (
        "A DubliNet message from a peer that fits no case (recorded for the Dublin unit with "
        "the reason)."
    ),
    "GW-DL-WITHIN": "The horizon of a deadline listing is not a whole number of days.",
    "GW-DL-QUERY": "A filter or order of the deadlines page is not one it offers.",
    "GW-RES-SINCE": "The result named in since is not in the caller's inbox.",
    "GW-RES-WEBHOOK": "A webhook setting is not name=URL;secret (secret of 16 characters or more).",
    "GW-RES-WEBHOOK-DOWN": "A webhook did not answer or failed for a while; sent again later.",
    "GW-RES-WEBHOOK-REFUSED": "A webhook refused a result for good (dead letter).",
    # console and API (operators' web console, OpenAPI, observability)
    "GW-UI-LOGIN": "The console login was refused: the token is unknown or revoked.",
    "GW-UI-LOGIN-EXPIRED": "The console login form expired or was not sent from the console.",
    "GW-UI-SESSION": "The console needs a login (no session, or it expired or was revoked).",
    "GW-UI-ROLE": "The console page or action needs a role the caller's token does not grant.",
    "GW-UI-CSRF": "A console form was stale or sent from another site (CSRF check failed).",
    "GW-UI-SIMULATOR": "The simulators' control API did not answer or refused the request.",
    "GW-UI-BULK": "A bulk action names no message, too many, or an action operators do not have.",
    "GW-UI-TOKEN": "A console token form names no valid name or role, or revokes the caller's own.",
    "GW-UI-PEER": "A connection test names no configured peer, or one without an HTTPS endpoint.",
    "GW-API-TOKEN": "A token to make has no valid name (1 to 100 letters, digits, '.', '_', '@', "
    "'-') or names no role or an unknown one.",
    "GW-API-TOKEN-OWN": "A request would revoke the token it is made with.",
}


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""

    exit_code = 1

    def __init__(self, code: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return str(Problem(code=self.code, message=self.message, path=self.path))

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (the CPU worker processes); subclasses' own
        # __init__ signatures differ, so rebuild from the attributes, not the arguments.
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(kind: type[GatewayError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(GatewayError):
    """Bad input; carries every problem found, the first one as its own code."""

    def __init__(
        self, code: str, message: str, path: str = "", problems: Iterable[Problem] = ()
    ) -> None:
        super().__init__(code, message, path)
        self.problems = list(problems) or [Problem(code=code, message=message, path=path)]

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> InputError:
        found = list(problems)
        if not found:
            raise ValueError("an InputError needs at least one problem")
        first = found[0]
        return cls(first.code, first.message, first.path, problems=found)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class ConfigError(GatewayError):
    """Bad configuration or usage: refused at start, exit status 2."""

    exit_code = 2


class SecurityError(GatewayError):
    """A signature, certificate or TLS check failed."""


class RemoteError(GatewayError):
    """The other side answered and refused."""


class TransportError(GatewayError):
    """The other side could not be reached in time."""
