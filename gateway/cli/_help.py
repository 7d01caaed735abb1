"""Help texts of the commands that read JSON: the fields of each `--type TYPE --file JSON`, and
what `eugw message build --record` reads (kept here, not beside `gateway.messages.inputs`, so
that a --help does not import the XML libraries)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["INPUT_HELP", "fields_help"]

INPUT_HELP = """\
What the JSON holds depends on the message type:

- `eurodac.enrolment`, `eurodac.search`, `eurodac.correct`: a canonical record
  (as `eugw check-record` reads it) with its `transaction`;
- `eurodac.mark`, `eurodac.unmark`, `eurodac.delete`: `{"transaction": {...},
  "reason": "protection-granted"}`;
- `eurodac.status`: `{"transaction": {...}, "update": {"kind": "arrived-after-transfer",
  "on": "2026-10-02"}}` (`member_state` for `member-state-responsible` and `relocated`);
- DubliNet requests: `{"record": {...}, "request": {...}}`, the request being
  a `DublinRequest` (`request_type`, `requesting_state`, `requested_state`,
  `national_reference`, `legal_basis`, ...);
- every other type: its reply object (`DublinReply`, `TransferArrangement`,
  `ReexaminationRequest`, `EurodacHit`, `EurodacNoHit`, `EurodacErrorReply`,
  `EurodacMarkingNotice`,
  or `{"acknowledged_message_id": UUID, "received_at": ISO time}`).
"""


def fields_help(types: Mapping[str, Mapping[str, str]]) -> str:
    """Each TYPE (a line that names it) with the fields of its JSON object and their meaning;
    types with the same fields are listed together, above them."""
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for label, fields in types.items():
        groups.setdefault(tuple(fields.items()), []).append(label)
    lines = ["TYPE, and the fields of the JSON object in --file:"]
    for fields_of_group, labels in groups.items():
        lines.extend(f"  {label}" for label in labels)
        lines.extend(f"      {name:<18} {meaning}" for name, meaning in fields_of_group)
    return "\n".join(lines)
