"""States that take part in Eurodac and the Dublin system, by ISO 3166-1 alpha-2 code.

The 27 member states plus the four associated states (Iceland, Liechtenstein,
Norway, Switzerland). ISO codes are used throughout: Greece is `GR`, not the
`EL` of EU protocol order.
"""

from __future__ import annotations

__all__ = ["MEMBER_STATES", "is_member_state"]

MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
        "CH", "IS", "LI", "NO",
    }
)  # fmt: skip


def is_member_state(code: str) -> bool:
    """True for the alpha-2 code of a state that takes part in Eurodac and Dublin."""
    return code in MEMBER_STATES
