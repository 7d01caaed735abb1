"""How a simulated access point answers a request: per case, by rule, or by chance.

A policy is data (it comes from the control API as JSON). The first rule
that matches a request decides; when none does, the weights draw an
action; without weights the default action holds. A re-examination request
is answered by the `reexamination` action unless a rule for it matches.

    {"rules": [{"case": "BE-DUB-2026-00042", "action": "silent"},
               {"request_type": 2, "action": "reject", "reasons": ["not-responsible"]}],
     "weights": {"accept": 0.7, "reject": 0.3},
     "reexamination": "accept"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from typing import Any

from gateway.domain.dublin import ReplyOutcome
from gateway.domain.frozen import frozen
from gateway.errors import InputError

__all__ = ["Action", "Decision", "Policy", "Rule", "decide"]

BAD_POLICY = "GW-SIM-POLICY"
DEFAULT_REASONS = ("no-evidence",)


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    SILENT = "silent"  # acknowledge, never reply: the gateway must see tacit acceptance
    LATE = "late"  # reply, but only after the configured late delay


@frozen
class Rule:
    """Matches on every field given; `late_outcome` is what a late reply says."""

    action: Action
    case: str | None = None  # the requesting state's national reference
    request_type: int | None = None
    requesting_state: str | None = None
    reexamination: bool | None = None
    reasons: tuple[str, ...] = DEFAULT_REASONS
    late_outcome: ReplyOutcome = ReplyOutcome.REJECT

    def matches(
        self, *, case: str, request_type: int | None, requesting_state: str, reexamination: bool
    ) -> bool:
        return (
            (self.case is None or self.case == case)
            and (self.request_type is None or self.request_type == request_type)
            and (self.requesting_state is None or self.requesting_state == requesting_state)
            and (self.reexamination is None or self.reexamination == reexamination)
        )


@frozen
class Policy:
    rules: tuple[Rule, ...] = ()
    weights: Mapping[Action, float] = field(default_factory=dict)
    default: Action = Action.ACCEPT
    reexamination: Action = Action.REJECT
    reasons: tuple[str, ...] = DEFAULT_REASONS

    def __post_init__(self) -> None:
        if any(weight < 0 for weight in self.weights.values()):
            raise ValueError("weights are not negative")
        if self.weights and sum(self.weights.values()) <= 0:
            raise ValueError("the weights add up to more than 0")

    @classmethod
    def from_json(cls, data: object) -> Policy:
        """A policy from JSON, or an `InputError` naming the bad part."""
        if not isinstance(data, Mapping):
            raise InputError(BAD_POLICY, "a policy is a JSON object", "/")
        unknown = set(data) - {"rules", "weights", "default", "reexamination", "reasons"}
        if unknown:
            raise InputError(BAD_POLICY, f"unknown policy keys {sorted(unknown)}", "/")
        try:
            return cls(
                rules=tuple(_rule(item) for item in data.get("rules", ())),
                weights={Action(k): float(v) for k, v in dict(data.get("weights", {})).items()},
                default=Action(data.get("default", Action.ACCEPT)),
                reexamination=Action(data.get("reexamination", Action.REJECT)),
                reasons=tuple(str(r) for r in data.get("reasons", DEFAULT_REASONS)),
            )
        except (ValueError, TypeError) as error:
            raise InputError(BAD_POLICY, f"the policy cannot be used: {error}", "/") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": [
                {
                    key: value
                    for key, value in (
                        ("action", rule.action.value),
                        ("case", rule.case),
                        ("request_type", rule.request_type),
                        ("requesting_state", rule.requesting_state),
                        ("reexamination", rule.reexamination),
                        ("reasons", list(rule.reasons)),
                        ("late_outcome", rule.late_outcome.value),
                    )
                    if value is not None
                }
                for rule in self.rules
            ],
            "weights": {action.value: weight for action, weight in self.weights.items()},
            "default": self.default.value,
            "reexamination": self.reexamination.value,
            "reasons": list(self.reasons),
        }


def _rule(data: object) -> Rule:
    if not isinstance(data, Mapping):
        raise TypeError("a rule is a JSON object")
    known = {"action", "case", "request_type", "requesting_state", "reexamination", "reasons",
             "late_outcome"}  # fmt: skip
    if set(data) - known:
        raise ValueError(f"unknown rule keys {sorted(set(data) - known)}")
    request_type = data.get("request_type")
    reexamination = data.get("reexamination")
    return Rule(
        action=Action(data["action"]),
        case=None if data.get("case") is None else str(data["case"]),
        request_type=None if request_type is None else int(request_type),
        requesting_state=data.get("requesting_state"),
        reexamination=None if reexamination is None else bool(reexamination),
        reasons=tuple(str(r) for r in data.get("reasons", DEFAULT_REASONS)),
        late_outcome=ReplyOutcome(data.get("late_outcome", ReplyOutcome.REJECT)),
    )


@frozen
class Decision:
    """What to do: the action, and the outcome and reasons of the reply if one is sent."""

    action: Action
    outcome: ReplyOutcome | None
    reasons: tuple[str, ...] = ()


def decide(
    policy: Policy,
    *,
    case: str,
    request_type: int | None,
    requesting_state: str,
    reexamination: bool,
    draw: float,
) -> Decision:
    """The decision on one request; `draw` is a number in [0, 1) for the weighted choice."""
    for rule in policy.rules:
        if rule.matches(
            case=case,
            request_type=request_type,
            requesting_state=requesting_state,
            reexamination=reexamination,
        ):
            return _decision(rule.action, rule.reasons, rule.late_outcome)
    if reexamination:
        return _decision(policy.reexamination, policy.reasons, ReplyOutcome.REJECT)
    return _decision(_draw(policy, draw), policy.reasons, ReplyOutcome.REJECT)


def _draw(policy: Policy, draw: float) -> Action:
    if not policy.weights:
        return policy.default
    total = sum(policy.weights.values())
    point = draw * total
    for action, weight in policy.weights.items():
        if point < weight:
            return action
        point -= weight
    return next(reversed(list(policy.weights)))  # draw at the upper edge (rounding)


def _decision(action: Action, reasons: tuple[str, ...], late_outcome: ReplyOutcome) -> Decision:
    if action is Action.SILENT:
        return Decision(action=action, outcome=None)
    if action is Action.ACCEPT:
        return Decision(action=action, outcome=ReplyOutcome.ACCEPT)
    if action is Action.REJECT:
        return Decision(action=action, outcome=ReplyOutcome.REJECT, reasons=reasons)
    return Decision(
        action=action,
        outcome=late_outcome,
        reasons=reasons if late_outcome is ReplyOutcome.REJECT else (),
    )
