"""The time limits of the Dublin procedure: one literal table, every step of both regimes.

Each row is one step under one regime in one variant: the period, the event
that starts it, the article that lays it down and what missing it does. The
code around the table only looks rows up; a new rule is a new row.

Regimes: Regulation (EU) No 604/2013 (Dublin III) with Commission Regulation
(EC) No 1560/2003, and Regulation (EU) 2024/1351 (AMMR) for applications
registered from 1 July 2026 (AMMR Art 84).
"""

from __future__ import annotations

from enum import StrEnum

from gateway.domain.dublin import DublinRegime
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.tracking.periods import Period, Unit

__all__ = [
    "RULES",
    "Effect",
    "Extension",
    "Facts",
    "Rule",
    "Step",
    "Trigger",
    "Variant",
    "find_rule",
    "steps_of",
]


class Step(StrEnum):
    TAKE_CHARGE_REQUEST = "take-charge-request"
    TAKE_CHARGE_REPLY = "take-charge-reply"
    TAKE_BACK_REQUEST = "take-back-request"
    TAKE_BACK_REPLY = "take-back-reply"
    TAKE_BACK_NOTIFICATION = "take-back-notification"
    TAKE_BACK_CONFIRMATION = "take-back-confirmation"
    INFO_REQUEST_REPLY = "info-request-reply"
    REEXAMINATION_REQUEST = "reexamination-request"
    REEXAMINATION_REPLY = "reexamination-reply"
    TRANSFER = "transfer"


class Extension(StrEnum):
    """Why a transfer period is extended."""

    IMPRISONMENT = "imprisonment"
    ABSCONDING = "absconding"


class Variant(StrEnum):
    """Which facts of the case a row applies to; `BASE` applies to every case."""

    BASE = "base"
    HIT = "hit"
    URGENT = "urgent"
    DETAINED = "detained"
    IMPRISONMENT = "imprisonment"
    ABSCONDING = "absconding"
    # Reg 604/2013 Art 24: a person staying without a residence document who made no new
    # application here (after a Eurodac search under Art 17 of Reg 603/2013, or on other
    # evidence)
    NO_APPLICATION = "no-application"
    NO_APPLICATION_HIT = "no-application-hit"


class Effect(StrEnum):
    """What the law attaches to a missed time limit."""

    TIME_BARRED = "request-time-barred"
    TACIT_ACCEPTANCE = "tacit-acceptance"
    RECEIPT_CONFIRMED = "confirmation-of-receipt-deemed"
    RESPONSIBILITY_SHIFTS = "responsibility-shifts-to-requesting-state"
    DETENTION_ENDS = "detention-ends"
    NEGATIVE_REPLY_STANDS = "negative-reply-stands"
    REEXAMINATION_CLOSED = "reexamination-closed"
    NEW_APPLICATION_OR_RETURN = "new-application-opportunity-or-return"
    NONE = "no-effect-on-responsibility"

    @property
    def sentence(self) -> str:
        return _EFFECT_SENTENCES[self]


_EFFECT_SENTENCES = {
    Effect.TIME_BARRED: (
        "responsibility shifts: the request is time-barred and the member state where the "
        "application was lodged or registered is responsible for examining it"
    ),
    Effect.TACIT_ACCEPTANCE: (
        "tacit acceptance: silence is tantamount to accepting the request, with the "
        "obligation to take charge of or take back the person"
    ),
    Effect.RECEIPT_CONFIRMED: (
        "confirmation of receipt deemed: silence is tantamount to confirming receipt of "
        "the take back notification"
    ),
    Effect.RESPONSIBILITY_SHIFTS: (
        "responsibility shifts: the responsible member state is relieved of its obligation "
        "to take charge or take back, and responsibility passes to the requesting state"
    ),
    Effect.DETENTION_ENDS: (
        "the person may no longer be detained for the transfer; the ordinary time limits "
        "continue to apply"
    ),
    Effect.NEGATIVE_REPLY_STANDS: (
        "no re-examination: the negative reply stands and the requesting state keeps the case"
    ),
    Effect.REEXAMINATION_CLOSED: (
        "the re-examination procedure is closed: the requesting state becomes responsible "
        "unless a new request is still in time (CJEU C-47/17 and C-48/17)"
    ),
    Effect.NEW_APPLICATION_OR_RETURN: (
        "no shift of responsibility (no application is pending in the requesting state): the "
        "take back request is out of time, the person must be given the opportunity to lodge a "
        "new application (Reg 604/2013 Art 24(3)); otherwise the return procedure of Directive "
        "2008/115/EC applies"
    ),
    Effect.NONE: (
        "no effect on responsibility laid down; the obligation to act remains and the delay "
        "must be justified"
    ),
}


class Trigger(StrEnum):
    """The event whose day starts a period (that day itself is not counted)."""

    LODGING = "lodging"
    REGISTRATION = "registration"
    HIT = "hit"
    REQUEST_RECEIVED = "request-received"
    NOTIFICATION_RECEIVED = "notification-received"
    NEGATIVE_REPLY_RECEIVED = "negative-reply-received"
    REEXAMINATION_REQUEST_RECEIVED = "reexamination-request-received"
    ACCEPTANCE = "acceptance"
    AWARENESS = "awareness"

    @property
    def sentence(self) -> str:
        return _TRIGGER_SENTENCES[self]


_TRIGGER_SENTENCES = {
    Trigger.LODGING: "the lodging of the application",
    Trigger.REGISTRATION: "the registration of the application",
    Trigger.HIT: "the receipt of the Eurodac hit",
    Trigger.REQUEST_RECEIVED: "the receipt of the request",
    Trigger.NOTIFICATION_RECEIVED: "the receipt of the take back notification",
    Trigger.NEGATIVE_REPLY_RECEIVED: "the receipt of the negative reply",
    Trigger.REEXAMINATION_REQUEST_RECEIVED: "the receipt of the re-examination request",
    Trigger.ACCEPTANCE: (
        "the acceptance of the request or confirmation of the notification, explicit or "
        "tacit (or the final decision on an appeal with suspensive effect)"
    ),
    Trigger.AWARENESS: (
        "the day the requesting state became aware that another member state may be "
        "responsible for the person"
    ),
}


@frozen
class Facts:
    """What is known of the case that can change a step's time limit."""

    hit: bool = False
    urgent: bool = False
    detained: bool = False
    extension: Extension | None = None
    # Reg 604/2013 Art 24: the person stays here without a residence document and made no
    # new application here (the take back request of a person found staying irregularly)
    no_application: bool = False


@frozen
class Rule:
    """One row: a step's time limit under one regime, for one variant.

    `period` is None when the regime leaves the step to an implementing act or
    the table does not hold a verified period yet (`note` says which).
    """

    regime: DublinRegime
    step: Step
    variant: Variant
    period: Period | None
    trigger: Trigger
    legal_basis: str
    effect: Effect
    note: str = ""

    @property
    def counted_from(self) -> str:
        return self.trigger.sentence


D3 = DublinRegime.DUBLIN3
AMMR = DublinRegime.AMMR
_D3 = "Reg 604/2013"
_AMMR = "Reg 2024/1351"
_IMPL_1560 = "Reg 1560/2003"
_IMPL_2025 = "Implementing Reg 2025/2055"
_DETAINED_LATER = "one week from the placement in detention when detained after registration"


def _p(amount: int, unit: Unit) -> Period:
    return Period(amount=amount, unit=unit)


# Short aliases keep the table below readable, one row to a few lines.
W, M, Y = Unit.WEEKS, Unit.MONTHS, Unit.YEARS
S = Step
V = Variant
E = Effect
T = Trigger

# Still to check against the Official Journal text: the paragraph of Reg 2024/1351
# Art 40 that makes silence an acceptance, the extensions of Art 46(2), the three
# weeks for an information reply (Art 51?), and the detained transfer of Art 45(3).
# fmt: off
RULES: tuple[Rule, ...] = (
    # ── Dublin III: Regulation (EU) No 604/2013 ──────────────────────────────
    Rule(regime=D3, step=S.TAKE_CHARGE_REQUEST, variant=V.BASE, period=_p(3, M),
         trigger=T.LODGING, legal_basis=f"{_D3} Art 21(1)", effect=E.TIME_BARRED),
    Rule(regime=D3, step=S.TAKE_CHARGE_REQUEST, variant=V.HIT, period=_p(2, M),
         trigger=T.HIT, note="a hit on data under Art 14 of Reg 603/2013",
         legal_basis=f"{_D3} Art 21(1) second subparagraph",
         effect=E.TIME_BARRED),
    Rule(regime=D3, step=S.TAKE_CHARGE_REQUEST, variant=V.DETAINED, period=_p(1, M),
         trigger=T.LODGING, legal_basis=f"{_D3} Art 28(3)", effect=E.DETENTION_ENDS),
    Rule(regime=D3, step=S.TAKE_CHARGE_REPLY, variant=V.BASE, period=_p(2, M),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 22(1) and 22(7)",
         effect=E.TACIT_ACCEPTANCE),
    Rule(regime=D3, step=S.TAKE_CHARGE_REPLY, variant=V.URGENT, period=_p(1, M),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 22(6) and 22(7)",
         effect=E.TACIT_ACCEPTANCE,
         note="the requested state must try to meet the shorter time the request sets "
              "(at least one week, Art 21(2)); one month is the outer limit"),
    Rule(regime=D3, step=S.TAKE_CHARGE_REPLY, variant=V.DETAINED, period=_p(2, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 28(3)", effect=E.TACIT_ACCEPTANCE),
    Rule(regime=D3, step=S.TAKE_BACK_REQUEST, variant=V.BASE, period=_p(3, M),
         trigger=T.LODGING, legal_basis=f"{_D3} Art 23(2) second subparagraph and 23(3)",
         effect=E.TIME_BARRED),
    Rule(regime=D3, step=S.TAKE_BACK_REQUEST, variant=V.HIT, period=_p(2, M),
         trigger=T.HIT, legal_basis=f"{_D3} Art 23(2) first subparagraph and 23(3)",
         effect=E.TIME_BARRED),
    Rule(regime=D3, step=S.TAKE_BACK_REQUEST, variant=V.DETAINED, period=_p(1, M),
         trigger=T.LODGING, legal_basis=f"{_D3} Art 28(3)", effect=E.DETENTION_ENDS),
    Rule(regime=D3, step=S.TAKE_BACK_REQUEST, variant=V.NO_APPLICATION_HIT, period=_p(2, M),
         trigger=T.HIT, legal_basis=f"{_D3} Art 24(2) first subparagraph",
         effect=E.NEW_APPLICATION_OR_RETURN,
         note="a hit on a search under Art 17 of Reg 603/2013; no time limit binds the request "
              "for a person whose application was rejected by a final decision (Art 24(4): "
              "take back request or return procedure)"),
    Rule(regime=D3, step=S.TAKE_BACK_REQUEST, variant=V.NO_APPLICATION, period=_p(3, M),
         trigger=T.AWARENESS, legal_basis=f"{_D3} Art 24(2) second subparagraph",
         effect=E.NEW_APPLICATION_OR_RETURN,
         note="evidence other than Eurodac data; no time limit binds the request for a person "
              "whose application was rejected by a final decision (Art 24(4))"),
    Rule(regime=D3, step=S.TAKE_BACK_REPLY, variant=V.BASE, period=_p(1, M),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 25(1) and 25(2)",
         effect=E.TACIT_ACCEPTANCE),
    Rule(regime=D3, step=S.TAKE_BACK_REPLY, variant=V.HIT, period=_p(2, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 25(1) and 25(2)",
         effect=E.TACIT_ACCEPTANCE),
    Rule(regime=D3, step=S.TAKE_BACK_REPLY, variant=V.DETAINED, period=_p(2, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 28(3)", effect=E.TACIT_ACCEPTANCE),
    Rule(regime=D3, step=S.INFO_REQUEST_REPLY, variant=V.BASE, period=_p(5, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_D3} Art 34(5)", effect=E.NONE),
    Rule(regime=D3, step=S.REEXAMINATION_REQUEST, variant=V.BASE, period=_p(3, W),
         trigger=T.NEGATIVE_REPLY_RECEIVED,
         legal_basis=f"{_IMPL_1560} Art 5(2)", effect=E.NEGATIVE_REPLY_STANDS),
    Rule(regime=D3, step=S.REEXAMINATION_REPLY, variant=V.BASE, period=_p(2, W),
         trigger=T.REEXAMINATION_REQUEST_RECEIVED,
         legal_basis=f"{_IMPL_1560} Art 5(2)", effect=E.REEXAMINATION_CLOSED),
    Rule(regime=D3, step=S.TRANSFER, variant=V.BASE, period=_p(6, M),
         trigger=T.ACCEPTANCE, legal_basis=f"{_D3} Art 29(1) and 29(2)",
         effect=E.RESPONSIBILITY_SHIFTS),
    Rule(regime=D3, step=S.TRANSFER, variant=V.IMPRISONMENT, period=_p(1, Y),
         trigger=T.ACCEPTANCE, legal_basis=f"{_D3} Art 29(2)",
         effect=E.RESPONSIBILITY_SHIFTS),
    Rule(regime=D3, step=S.TRANSFER, variant=V.ABSCONDING, period=_p(18, M),
         trigger=T.ACCEPTANCE, legal_basis=f"{_D3} Art 29(2)",
         effect=E.RESPONSIBILITY_SHIFTS),
    Rule(regime=D3, step=S.TRANSFER, variant=V.DETAINED, period=_p(6, W),
         trigger=T.ACCEPTANCE, legal_basis=f"{_D3} Art 28(3)", effect=E.DETENTION_ENDS),
    # ── AMMR: Regulation (EU) 2024/1351 ──────────────────────────────────────
    Rule(regime=AMMR, step=S.TAKE_CHARGE_REQUEST, variant=V.BASE, period=_p(2, M),
         trigger=T.REGISTRATION, legal_basis=f"{_AMMR} Art 39(1)",
         effect=E.TIME_BARRED),
    Rule(regime=AMMR, step=S.TAKE_CHARGE_REQUEST, variant=V.HIT, period=_p(1, M),
         trigger=T.HIT, note="a hit on data under Art 22 or 24 of Reg 2024/1358",
         legal_basis=f"{_AMMR} Art 39(1) second subparagraph", effect=E.TIME_BARRED),
    Rule(regime=AMMR, step=S.TAKE_CHARGE_REQUEST, variant=V.DETAINED, period=_p(2, W),
         trigger=T.REGISTRATION, legal_basis=f"{_AMMR} Art 45(1)",
         effect=E.DETENTION_ENDS, note=_DETAINED_LATER),
    Rule(regime=AMMR, step=S.TAKE_CHARGE_REPLY, variant=V.BASE, period=_p(1, M),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_AMMR} Art 40(1)", effect=E.TACIT_ACCEPTANCE),
    Rule(regime=AMMR, step=S.TAKE_CHARGE_REPLY, variant=V.HIT, period=_p(2, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_AMMR} Art 40(2)", effect=E.TACIT_ACCEPTANCE),
    Rule(regime=AMMR, step=S.TAKE_CHARGE_REPLY, variant=V.DETAINED, period=_p(1, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_AMMR} Art 45(2)", effect=E.TACIT_ACCEPTANCE),
    Rule(regime=AMMR, step=S.TAKE_BACK_NOTIFICATION, variant=V.BASE, period=_p(2, W),
         trigger=T.HIT, legal_basis=f"{_AMMR} Art 41(1)", effect=E.NONE),
    Rule(regime=AMMR, step=S.TAKE_BACK_NOTIFICATION, variant=V.DETAINED, period=_p(2, W),
         trigger=T.REGISTRATION, legal_basis=f"{_AMMR} Art 45(1)", effect=E.DETENTION_ENDS,
         note="from the receipt of the hit where no new application was registered; "
              + _DETAINED_LATER),
    Rule(regime=AMMR, step=S.TAKE_BACK_CONFIRMATION, variant=V.BASE, period=_p(2, W),
         trigger=T.NOTIFICATION_RECEIVED, legal_basis=f"{_AMMR} Art 41(3) and 41(4)",
         effect=E.RECEIPT_CONFIRMED),
    Rule(regime=AMMR, step=S.INFO_REQUEST_REPLY, variant=V.BASE, period=_p(3, W),
         trigger=T.REQUEST_RECEIVED, legal_basis=f"{_AMMR} Art 51", effect=E.NONE),
    Rule(regime=AMMR, step=S.REEXAMINATION_REQUEST, variant=V.BASE, period=None,
         trigger=T.NEGATIVE_REPLY_RECEIVED, legal_basis=_IMPL_2025,
         effect=E.NEGATIVE_REPLY_STANDS,
         note="Reg 2024/1351 leaves re-examination to the implementing act"),
    Rule(regime=AMMR, step=S.REEXAMINATION_REPLY, variant=V.BASE, period=None,
         trigger=T.REEXAMINATION_REQUEST_RECEIVED, legal_basis=_IMPL_2025,
         effect=E.REEXAMINATION_CLOSED,
         note="Reg 2024/1351 leaves re-examination to the implementing act"),
    Rule(regime=AMMR, step=S.TRANSFER, variant=V.BASE, period=_p(6, M),
         trigger=T.ACCEPTANCE, legal_basis=f"{_AMMR} Art 46(1) and 46(2)",
         effect=E.RESPONSIBILITY_SHIFTS),
    Rule(regime=AMMR, step=S.TRANSFER, variant=V.IMPRISONMENT, period=_p(1, Y),
         trigger=T.ACCEPTANCE, legal_basis=f"{_AMMR} Art 46(2)",
         effect=E.RESPONSIBILITY_SHIFTS),
    Rule(regime=AMMR, step=S.TRANSFER, variant=V.ABSCONDING, period=_p(3, Y),
         trigger=T.ACCEPTANCE, legal_basis=f"{_AMMR} Art 46(2)",
         effect=E.RESPONSIBILITY_SHIFTS),
    Rule(regime=AMMR, step=S.TRANSFER, variant=V.DETAINED, period=None,
         trigger=T.ACCEPTANCE, legal_basis=f"{_AMMR} Art 45(3)",
         effect=E.DETENTION_ENDS,
         note="the period for transferring a detained person is not yet verified here"),
)
# fmt: on

# When several facts are true, the most specific row that exists wins. A person who made no
# application here has no lodging for the detention limit of Art 28(3) to count from: the
# rows of Art 24 come first.
_PRECEDENCE = (
    Variant.NO_APPLICATION_HIT,
    Variant.NO_APPLICATION,
    Variant.DETAINED,
    Variant.URGENT,
    Variant.HIT,
    Variant.BASE,
)

_BY_KEY = {(rule.regime, rule.step, rule.variant): rule for rule in RULES}


def steps_of(regime: DublinRegime) -> tuple[Step, ...]:
    """The steps a regime has, in the order of `Step`."""
    return tuple(step for step in Step if (regime, step, Variant.BASE) in _BY_KEY)


def find_rule(regime: DublinRegime, step: Step, facts: Facts) -> Rule:
    """The row that governs `step` under `regime` for a case with `facts`.

    Facts that do not change the step's period are ignored (a hit does not
    shorten a Dublin III take charge reply); an extension applies to transfers
    only, and asking for it elsewhere is an error.
    """
    if (regime, step, Variant.BASE) not in _BY_KEY:
        raise InputError(
            "GW-DL-NO-SUCH-STEP",
            f"Reg {regime.value} has no step {step.value!r}; its steps are: "
            + ", ".join(s.value for s in steps_of(regime)),
            "step",
        )
    if facts.extension is not None:
        rule = _BY_KEY.get((regime, step, Variant(facts.extension.value)))
        if rule is None:
            raise InputError(
                "GW-DL-NO-SUCH-VARIANT",
                f"{step.value!r} under Reg {regime.value} has no {facts.extension.value} "
                "extension; only the transfer period is extended",
                "extension",
            )
        return rule
    wanted = {
        Variant.NO_APPLICATION_HIT: facts.no_application and facts.hit,
        Variant.NO_APPLICATION: facts.no_application,
        Variant.DETAINED: facts.detained,
        Variant.URGENT: facts.urgent,
        Variant.HIT: facts.hit,
        Variant.BASE: True,
    }
    variant = next(v for v in _PRECEDENCE if wanted[v] and (regime, step, v) in _BY_KEY)
    return _BY_KEY[(regime, step, variant)]
