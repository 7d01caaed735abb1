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
    "GW-IN-FILE": "An input file cannot be read.",
    "GW-IN-JSON": "An input is not valid JSON.",
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
    "GW-INTERNAL": "An unexpected error inside the gateway; the log has the details.",
    # mapping
    "GW-MAP-SPEC": "A mapping specification or code list is refused (file and line given).",
    "GW-MAP-ROW": "A source record cannot be read (not JSON, not an object, wrong CSV columns).",
    "GW-MAP-REQUIRED": "A source field the mapping requires is missing or empty.",
    "GW-MAP-TYPE": "A source field has a type the mapping cannot use (an object for text...).",
    "GW-MAP-DATE": "A source date is not in an accepted format, or does not exist.",
    "GW-MAP-CODE": "A source code is not in the code list the mapping names.",
    "GW-MAP-NATIONAL-NUMBER": "A source Belgian national number fails its check.",
    "GW-MAP-NAME": "A source name cannot be written in Latin characters.",
    "GW-MAP-CONFLICT": "Two sources give different values for the same field of one person.",
    "GW-MAP-JOIN": "A source record has neither an Immigration Office nor a national number.",
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
