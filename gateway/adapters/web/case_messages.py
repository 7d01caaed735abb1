"""The body of `POST /v1/cases/{id}/messages` (and the file of `eugw cases send`) read into
a `FollowUp`, with every problem; `FIELDS` says what each type's body holds."""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway.domain import Problem
from gateway.domain.requests import TransferMode
from gateway.errors import InputError
from gateway.pipeline.outgoing import FollowUp
from gateway.tracking.followups import FOLLOW_UPS, NOT_ON_CASE

__all__ = ["FIELDS", "follow_up_of"]

MAX_ESCORTS = 99  # a 64-bit column holds it; no transfer needs more
_MODES = ", ".join(mode.value for mode in TransferMode)
_KEYS = {
    "reexamination-request": {"reasons": "why the negative reply is wrong (required)"},
    "transfer-arrangement": {
        "transfer_date": "YYYY-MM-DD (required)",
        "arrival_place": "where the person is handed over (required)",
        "mode": f"{_MODES} (default: {TransferMode.CONTROLLED.value})",
        "escorts": f"how many escorts, 0 to {MAX_ESCORTS}",
        "remarks": "text",
    },
}
_REQUEST_KEYS = {"legal_basis": "the article the request rests on (required)"}  # types 3 to 7
# Each type a case takes (its name without `dublinet.`) -> its fields and what each holds.
FIELDS: dict[str, dict[str, str]] = {
    kind: _KEYS.get(kind, _REQUEST_KEYS)
    for kind in sorted({name.removeprefix("dublinet.") for name, _, _ in FOLLOW_UPS})
}


def follow_up_of(body: dict[str, Any]) -> FollowUp:
    """The follow-up a body asks for, or an `InputError` (GW-CASE-MESSAGE) naming each
    missing or bad field."""
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise InputError(NOT_ON_CASE, f"type is one of {', '.join(FIELDS)}", "type")
    allowed = set(FIELDS[kind])
    problems = [
        _problem(f"{key} is not a field of a {kind}", key)
        for key in sorted(set(body) - allowed - {"type"})
    ]
    values: dict[str, Any] = {"message_type": f"dublinet.{kind}"}
    if kind == "reexamination-request":
        values["reasons"] = _text(body, "reasons", problems)
    elif kind == "transfer-arrangement":
        values |= _transfer(body, problems)
    else:
        values["legal_basis"] = _text(body, "legal_basis", problems)
    if problems:
        raise InputError.from_problems(problems)
    return FollowUp(**values)


def _transfer(body: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    values: dict[str, Any] = {"arrival_place": _text(body, "arrival_place", problems)}
    try:
        values["transfer_date"] = date.fromisoformat(str(body.get("transfer_date")))
    except ValueError:
        problems.append(_problem("transfer_date is a date (YYYY-MM-DD)", "transfer_date"))
    modes = {mode.value: mode for mode in TransferMode}
    mode = body.get("mode", TransferMode.CONTROLLED.value)
    if isinstance(mode, str) and mode in modes:
        values["mode"] = modes[mode]
    else:
        problems.append(_problem(f"mode is one of {', '.join(modes)}", "mode"))
    escorts = body.get("escorts")
    if escorts is not None and (
        not isinstance(escorts, int) or isinstance(escorts, bool) or not 0 <= escorts <= MAX_ESCORTS
    ):
        problems.append(_problem(f"escorts is a whole number from 0 to {MAX_ESCORTS}", "escorts"))
    remarks = body.get("remarks")
    if remarks is not None and not isinstance(remarks, str):
        problems.append(_problem("remarks is text", "remarks"))
    return values | {"escorts": escorts, "remarks": remarks}


def _text(body: dict[str, Any], key: str, problems: list[Problem]) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(_problem(f"{key} is required text", key))
        return ""
    return value.strip()


def _problem(message: str, path: str) -> Problem:
    return Problem(code=NOT_ON_CASE, message=message, path=path)
