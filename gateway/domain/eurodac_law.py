"""The Eurodac law as data: what each regulation says, one row per rule, each with its article.

Regulation (EU) No 603/2013 and Regulation (EU) 2024/1358 are written here once. The
gateway's checks (`gateway.domain.rules`), the regime of a transaction
(`gateway.domain.eurodac.regime_of`), the simulated Central System (`simulators/eurodac`)
and the rule book `docs/law.md` (generated from these tables by `gateway.domain.law_book`)
all read them; nothing else states a Eurodac rule.

Articles are those of the regulation of the row's regime. `confirmed=False` marks a
paragraph number we could not read in the text at hand (the rule itself is the
regulation's; its exact paragraph wants checking by a lawyer): the rule book lists them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from gateway.domain.frozen import frozen

__all__ = [
    "ACTIONS",
    "AGE_RULES",
    "CATEGORIES",
    "NEW_REGIME_START",
    "NOTICE_HOURS",
    "REGIME_RULE",
    "STATUS_UPDATES",
    "TEMPORARY_PROTECTION_START",
    "ActionRule",
    "AgeRule",
    "CategoryRule",
    "DelayGround",
    "DeletionReason",
    "Doubt",
    "Extension",
    "MarkReason",
    "Operation",
    "PointRule",
    "Regime",
    "RegimeRule",
    "Retention",
    "Start",
    "StatusKind",
    "StatusRule",
    "TimeLimit",
]


class Regime(StrEnum):
    """The regulation a Eurodac transaction is made under."""

    EURODAC_2013 = "603/2013"
    EURODAC_2024 = "2024/1358"


class Operation(StrEnum):
    """What a transaction asks the central system to do."""

    ENROL = "enrol"  # store and compare
    SEARCH = "search"  # compare only
    MARK = "mark"
    UNMARK = "unmark"
    DELETE = "delete"  # advance erasure
    CORRECT = "correct"
    STATUS = "status"  # information on the status of the data subject, after recording


class MarkReason(StrEnum):
    """Why data are marked or unmarked (`ACTIONS` says which reason fits which act)."""

    PROTECTION_GRANTED = "protection-granted"
    PROTECTION_WITHDRAWN = "protection-withdrawn"
    RESIDENCE_DOCUMENT = "residence-document"
    RESIDENCE_DOCUMENT_WITHDRAWN = "residence-document-withdrawn"
    ADMISSION_COMPLETED = "admission-completed"  # no article allows it: always refused


class DeletionReason(StrEnum):
    """Why data are erased before the end of their storage period."""

    CITIZENSHIP_ACQUIRED = "citizenship-acquired"
    RESIDENCE_DOCUMENT = "residence-document"
    LEFT_TERRITORY = "left-territory"


class StatusKind(StrEnum):
    """What a member state adds to its data set after recording (`STATUS_UPDATES`)."""

    ARRIVED_AFTER_TRANSFER = "arrived-after-transfer"
    LEFT_TERRITORY = "left-territory"
    REMOVED = "removed"
    RESPONSIBILITY_ASSUMED = "responsibility-assumed"
    MEMBER_STATE_RESPONSIBLE = "member-state-responsible"
    RELOCATED = "relocated"


class Start(StrEnum):
    """The event a period runs from."""

    LODGING = "the lodging of the application"
    REGISTRATION = "the registration"
    CAPTURE = "the taking of the biometric data"
    APPREHENSION = "the apprehension"
    DISEMBARKATION = "the disembarkation"
    TRANSMISSION = "the transmission of the biometric data"


class DelayGround(StrEnum):
    """A lawful reason to transmit after the ordinary time limit."""

    HEALTH = "health"  # the data could not be taken on health grounds
    TECHNICAL = "technical-failure"  # serious technical problems: national continuity plan
    RETAKEN = "retaken"  # the fingertips did not allow prints of quality: taken again


class Doubt(StrEnum):
    """How a date of birth that is not fully known is read against a minimum age."""

    CERTAIN = "refused only when certainly under the age"
    PRESUME_UNDER = "treated as under the age when it is uncertain"


# ----- the regime -------------------------------------------------------------------------

NEW_REGIME_START: Final = date(2026, 6, 12)
TEMPORARY_PROTECTION_START: Final = date(2029, 6, 12)


@frozen
class RegimeRule:
    """Which regulation governs a data set, and why (the choice the text leaves, see
    `docs/law.md`)."""

    switch: date
    article: str
    decided_by: str
    confirmed: bool = True


REGIME_RULE: Final = RegimeRule(
    switch=NEW_REGIME_START,
    article=(
        "2024/1358 Art 63 (applies from 12 June 2026) and Art 62 (603/2013 repealed with "
        "effect from 12 June 2026)"
    ),
    decided_by=(
        "the day the data set's biometric data were taken; for a record without biometric "
        "data, the day its application was registered (the data are taken upon it)"
    ),
    confirmed=False,
)


# ----- the tables' row types -------------------------------------------------------------


@frozen
class Retention:
    """How long the central system keeps a data set, from which event."""

    years: int = 0
    months: int = 0
    start: Start = Start.CAPTURE
    article: str = ""
    confirmed: bool = True


@frozen
class Extension:
    """A lawful later deadline: `hours` after the ground's own event (`after_ground`), or
    `hours` added to the ordinary limit."""

    ground: DelayGround
    hours: int
    after_ground: bool
    article: str
    confirmed: bool = True


@frozen
class TimeLimit:
    """The time within which data are transmitted, from which event."""

    hours: int
    start: Start
    article: str
    extensions: tuple[Extension, ...] = ()
    border_start: Start | None = None  # where the application is made at a border crossing
    border_article: str = ""
    confirmed: bool = True

    def extension(self, ground: DelayGround) -> Extension | None:
        return next((e for e in self.extensions if e.ground is ground), None)


@frozen
class AgeRule:
    """The minimum age of a regime and how doubt about a date of birth is read."""

    years: int
    article: str
    doubt: Doubt
    doubt_article: str


@frozen
class PointRule:
    """One point of an article that splits a category: what differs for its data."""

    point: str
    name: str
    article: str
    retention: Retention | None  # None: never recorded
    not_recorded_article: str = ""
    compared_against: frozenset[int] = frozenset()
    compared_marked_only: frozenset[int] = frozenset()
    compared_article: str = ""


@frozen
class CategoryRule:
    """What a regulation says of one category (the digit of the reference number)."""

    digit: int
    name: str
    article: str
    retention: Retention | None  # None: compared only, never recorded
    not_recorded_article: str = ""
    compared_against: frozenset[int] = frozenset()
    compared_marked_only: frozenset[int] = frozenset()  # of these, marked data sets only
    compared_article: str = ""
    age_limited: bool = True
    event_data: Start | None = None  # place and date of this event are part of the data set
    event_data_article: str = ""
    event_data_confirmed: bool = True
    time_limit: TimeLimit | None = None
    time_limit_note: str = ""
    applies_from: date | None = None
    applies_from_article: str = ""
    points: tuple[PointRule, ...] = ()
    confirmed: bool = True

    @property
    def stored(self) -> bool:
        return self.retention is not None

    def point(self, name: str) -> PointRule | None:
        return next((p for p in self.points if p.point == name), None)


@frozen
class StatusRule:
    """An update of a recorded data set the law provides for: its kind and article."""

    kind: StatusKind
    article: str
    example: str
    names_state: bool = False  # the update names a member state (responsible, relocation)
    confirmed: bool = True


@frozen
class ActionRule:
    """An act on stored data the law allows: the operation, its ground, the categories."""

    operation: Operation
    reason: str
    categories: frozenset[int]
    article: str
    example: str
    requires_mark: str | None = None  # unmarking: the mark it lifts
    notifies: bool = False  # the central system tells the other states that had a hit
    confirmed: bool = True


# ----- Regulation (EU) No 603/2013 ---------------------------------------------------------

_EXT_2013_APPLICANT = (
    Extension(ground=DelayGround.RETAKEN, hours=48, after_ground=True,
              article="Art 9(1), second subparagraph"),
    Extension(ground=DelayGround.HEALTH, hours=48, after_ground=True,
              article="Art 9(2), first subparagraph"),
    Extension(ground=DelayGround.TECHNICAL, hours=48, after_ground=False,
              article="Art 9(2), second subparagraph"),
)  # fmt: skip
_EXT_2013_BORDER = (
    Extension(ground=DelayGround.RETAKEN, hours=48, after_ground=True, article="Art 14(4)",
              confirmed=False),
    Extension(ground=DelayGround.HEALTH, hours=48, after_ground=True, article="Art 14(5)",
              confirmed=False),
    Extension(ground=DelayGround.TECHNICAL, hours=48, after_ground=False, article="Art 14(5)",
              confirmed=False),
)  # fmt: skip

_CATEGORIES_2013 = (
    CategoryRule(
        digit=1, name="applicant for international protection", article="Art 9(1)",
        retention=Retention(years=10, start=Start.CAPTURE, article="Art 12(1)"),
        compared_against=frozenset({1, 2}), compared_article="Art 9(3)",
        time_limit=TimeLimit(hours=72, start=Start.LODGING, article="Art 9(1)",
                             extensions=_EXT_2013_APPLICANT),
    ),
    CategoryRule(
        digit=2, name="apprehended crossing an external border irregularly",
        article="Art 14(1)",
        retention=Retention(months=18, start=Start.CAPTURE, article="Art 16(1)"),
        compared_against=frozenset(), compared_article="Art 15",
        event_data=Start.APPREHENSION, event_data_article="Art 14(2)(b)",
        time_limit=TimeLimit(hours=72, start=Start.APPREHENSION, article="Art 14(2)",
                             extensions=_EXT_2013_BORDER),
        time_limit_note="a person kept in custody beyond 72 hours: before release (Art 14(3))",
    ),
    CategoryRule(
        digit=3, name="found illegally staying", article="Art 17(1)",
        retention=None, not_recorded_article="Art 17(1)",
        compared_against=frozenset({1}), compared_article="Art 17(1)",
    ),
)  # fmt: skip

# ----- Regulation (EU) 2024/1358 -----------------------------------------------------------

_STORED_2024 = frozenset({0, 1, 2, 3, 7, 8, 9})


def _extensions_2024(
    article: str, health_and_technical: str, *, confirmed: bool
) -> tuple[Extension, ...]:
    return (
        Extension(ground=DelayGround.RETAKEN, hours=48, after_ground=True, article=article,
                  confirmed=confirmed),
        Extension(ground=DelayGround.HEALTH, hours=48, after_ground=True,
                  article=health_and_technical, confirmed=False),
        Extension(ground=DelayGround.TECHNICAL, hours=48, after_ground=False,
                  article=health_and_technical, confirmed=False),
    )  # fmt: skip


_ADMISSION_POINTS = (
    PointRule(
        point="18(1)", name="registered for an admission procedure", article="Art 18(1)",
        retention=None, not_recorded_article="Art 29(2)",
        compared_against=frozenset({1, 7, 8}), compared_marked_only=frozenset({1}),
        compared_article="Art 27(2)",
    ),
    PointRule(
        point="18(2)(a)", name="granted international protection or humanitarian status",
        article="Art 18(2)(a)",
        retention=Retention(years=5, start=Start.TRANSMISSION, article="Art 29(3)"),
        compared_article="Art 27(1)",
    ),
    PointRule(
        point="18(2)(b)", name="refused admission", article="Art 18(2)(b)",
        retention=Retention(years=3, start=Start.TRANSMISSION, article="Art 29(4)"),
        compared_article="Art 27(1)",
    ),
    PointRule(
        point="18(2)(c)", name="admission procedure discontinued", article="Art 18(2)(c)",
        retention=Retention(years=3, start=Start.TRANSMISSION, article="Art 29(4)"),
        compared_article="Art 27(1)",
    ),
)  # fmt: skip

_CATEGORIES_2024 = (
    CategoryRule(
        digit=1, name="applicant for international protection", article="Art 15(1)",
        retention=Retention(years=10, start=Start.TRANSMISSION, article="Art 29(1)"),
        compared_against=_STORED_2024, compared_article="Art 27(1)",
        time_limit=TimeLimit(
            hours=72, start=Start.REGISTRATION, article="Art 15(1)(a)",
            border_start=Start.CAPTURE, border_article="Art 15(1)(b)",
            extensions=_extensions_2024("Art 15(1), second subparagraph", "Art 15(2)",
                                        confirmed=False),
        ),
    ),
    CategoryRule(
        digit=2, name="apprehended in connection with an irregular border crossing",
        article="Art 22(1)",
        retention=Retention(years=5, start=Start.TRANSMISSION, article="Art 29(6)"),
        compared_against=_STORED_2024, compared_article="Art 27(1)",
        event_data=Start.APPREHENSION, event_data_article="Art 22(2)(g)",
        time_limit=TimeLimit(hours=72, start=Start.APPREHENSION, article="Art 22(2)",
                             extensions=_extensions_2024("Art 22(4)", "Art 22(5)",
                                                         confirmed=False)),
    ),
    CategoryRule(
        digit=3, name="found illegally staying", article="Art 23(1)",
        retention=Retention(years=5, start=Start.TRANSMISSION, article="Art 29(7)"),
        compared_against=_STORED_2024, compared_article="Art 27(1)",
        event_data=Start.APPREHENSION, event_data_article="Art 23(2)(g)",
        event_data_confirmed=False,
        time_limit=TimeLimit(hours=72, start=Start.APPREHENSION, article="Art 23(2)",
                             extensions=_extensions_2024("Art 23(4)", "Art 23(5)",
                                                         confirmed=False),
                             confirmed=False),
    ),
    CategoryRule(
        digit=4, name="comparison requested by a designated (law enforcement) authority",
        article="Art 33(1)", retention=None, not_recorded_article="Art 32(2)",
        compared_against=_STORED_2024, compared_article="Art 32(2)", age_limited=False,
    ),
    CategoryRule(
        digit=5, name="comparison requested by Europol", article="Art 34(1)",
        retention=None, not_recorded_article="Art 32(2)",
        compared_against=_STORED_2024, compared_article="Art 32(2)", age_limited=False,
    ),
    CategoryRule(
        digit=6, name="comparison for the data subject's right of access", article="Art 43",
        retention=None, not_recorded_article="Art 43",
        compared_against=_STORED_2024, compared_article="Art 43", age_limited=False,
        confirmed=False,
    ),
    CategoryRule(
        digit=7,
        name="registered for an admission procedure (Union Resettlement and Humanitarian "
        "Admission Framework)",
        article="Art 18",
        retention=Retention(years=5, start=Start.TRANSMISSION, article="Art 29(3)"),
        compared_article="Art 27(1)",
        time_limit_note=(
            "Art 18(1): as soon as possible after registration, at the latest before the "
            "conclusion on admission; Art 18(2): the limit runs from the decision, which the "
            "canonical model does not carry yet: not checked"
        ),
        points=_ADMISSION_POINTS,
    ),
    CategoryRule(
        digit=8, name="admitted under a national resettlement scheme", article="Art 20(1)",
        retention=Retention(years=5, start=Start.TRANSMISSION, article="Art 29(5)"),
        compared_article="Art 27(1)",
        time_limit_note="as soon as protection or status is granted (Art 20(1)): not checked",
    ),
    CategoryRule(
        digit=9, name="disembarked following a search and rescue operation",
        article="Art 24(1)",
        retention=Retention(years=5, start=Start.TRANSMISSION, article="Art 29(8)"),
        compared_against=_STORED_2024, compared_article="Art 27(1)",
        event_data=Start.DISEMBARKATION, event_data_article="Art 24(2)(g)",
        time_limit=TimeLimit(hours=72, start=Start.DISEMBARKATION, article="Art 24(2)",
                             extensions=_extensions_2024("Art 24(4)", "Art 24(5)",
                                                         confirmed=False)),
    ),
    CategoryRule(
        digit=0, name="beneficiary of temporary protection", article="Art 26(1)",
        retention=Retention(years=1, start=Start.TRANSMISSION, article="Art 29(9)",
                            confirmed=False),
        compared_against=_STORED_2024, compared_article="Art 27(1)",
        time_limit=TimeLimit(hours=240, start=Start.REGISTRATION, article="Art 26(2)"),
        time_limit_note="the registration is the one as a beneficiary of temporary protection",
        applies_from=TEMPORARY_PROTECTION_START, applies_from_article="Art 63",
    ),
)  # fmt: skip

CATEGORIES: Final = MappingProxyType(
    {
        Regime.EURODAC_2013: MappingProxyType({r.digit: r for r in _CATEGORIES_2013}),
        Regime.EURODAC_2024: MappingProxyType({r.digit: r for r in _CATEGORIES_2024}),
    }
)

AGE_RULES: Final = MappingProxyType(
    {
        Regime.EURODAC_2013: AgeRule(
            years=14, article="Arts 9(1), 14(1), 17(1)", doubt=Doubt.CERTAIN,
            doubt_article="none: 603/2013 has no rule for a doubtful age",
        ),
        Regime.EURODAC_2024: AgeRule(
            years=6, article="Arts 15(1), 18(1) and (2), 20(1), 22(1), 23(1), 24(1), 26(1)",
            doubt=Doubt.PRESUME_UNDER, doubt_article="Art 14(1)",
        ),
    }
)  # fmt: skip

# ----- marking, unmarking and advance erasure ----------------------------------------------

_P, _R = MarkReason, DeletionReason

ACTIONS: Final = MappingProxyType(
    {
        Regime.EURODAC_2013: (
            ActionRule(operation=Operation.MARK, reason=_P.PROTECTION_GRANTED,
                       categories=frozenset({1}), article="Art 18(1)", notifies=True,
                       example="Belgium grants refugee status: it marks BE1…"),
            ActionRule(operation=Operation.UNMARK, reason=_P.PROTECTION_WITHDRAWN,
                       categories=frozenset({1}), article="Art 18(3)",
                       requires_mark=_P.PROTECTION_GRANTED,
                       example="the status is revoked, ended or not renewed: BE1… unmarked"),
            ActionRule(operation=Operation.DELETE, reason=_R.CITIZENSHIP_ACQUIRED,
                       categories=frozenset({1}), article="Art 13(1)",
                       example="the applicant becomes a Belgian citizen: BE1… erased"),
            ActionRule(operation=Operation.DELETE, reason=_R.RESIDENCE_DOCUMENT,
                       categories=frozenset({2}), article="Art 16(2)(a)",
                       example="a residence document is issued: BE2… erased"),
            ActionRule(operation=Operation.DELETE, reason=_R.LEFT_TERRITORY,
                       categories=frozenset({2}), article="Art 16(2)(b)",
                       example="the person left the member states' territory: BE2… erased"),
            ActionRule(operation=Operation.DELETE, reason=_R.CITIZENSHIP_ACQUIRED,
                       categories=frozenset({2}), article="Art 16(2)(c)",
                       example="the person becomes a citizen: BE2… erased"),
        ),
        Regime.EURODAC_2024: (
            ActionRule(operation=Operation.MARK, reason=_P.PROTECTION_GRANTED,
                       categories=frozenset({1}), article="Art 31(1)", notifies=True,
                       example="Belgium grants subsidiary protection: it marks BE1…"),
            ActionRule(operation=Operation.UNMARK, reason=_P.PROTECTION_WITHDRAWN,
                       categories=frozenset({1}), article="Art 31(3)",
                       requires_mark=_P.PROTECTION_GRANTED,
                       example="the status is withdrawn (2024/1347 Art 14 or 19): unmarked"),
            ActionRule(operation=Operation.MARK, reason=_P.RESIDENCE_DOCUMENT,
                       categories=frozenset({2, 3, 9}), article="Art 31(4)",
                       example="a residence document is issued: BE3… marked"),
            ActionRule(operation=Operation.UNMARK, reason=_P.RESIDENCE_DOCUMENT_WITHDRAWN,
                       categories=frozenset({2, 3, 9}), article="Art 31(5)",
                       requires_mark=_P.RESIDENCE_DOCUMENT, confirmed=False,
                       example="the residence document is withdrawn: BE3… unmarked"),
            ActionRule(operation=Operation.DELETE, reason=_R.CITIZENSHIP_ACQUIRED,
                       categories=_STORED_2024, article="Art 30(1)", confirmed=False,
                       example="the person becomes a citizen: any data set erased"),
        ),
    }
)  # fmt: skip

_S = StatusKind

STATUS_UPDATES: Final = MappingProxyType(
    {
        Regime.EURODAC_2013: (
            StatusRule(kind=_S.ARRIVED_AFTER_TRANSFER, article="Art 10(a) and (b)",
                       example="the applicant arrives in Belgium after a transfer on 2 March"),
            StatusRule(kind=_S.LEFT_TERRITORY, article="Art 10(c)", confirmed=False,
                       example="the person left the member states' territory on 2 March"),
            StatusRule(kind=_S.REMOVED, article="Art 10(d)", confirmed=False,
                       example="the person was removed on 2 March"),
            StatusRule(kind=_S.RESPONSIBILITY_ASSUMED, article="Art 10(e)", confirmed=False,
                       example="Belgium examines the application under Art 17(1) 604/2013"),
        ),
        Regime.EURODAC_2024: (
            StatusRule(kind=_S.MEMBER_STATE_RESPONSIBLE, article="Art 16(1)", names_state=True,
                       example="the member state responsible is determined: NL"),
            StatusRule(kind=_S.ARRIVED_AFTER_TRANSFER, article="Art 16(2)", confirmed=False,
                       example="the applicant arrives in Belgium after a transfer on 2 March"),
            StatusRule(kind=_S.LEFT_TERRITORY, article="Art 16(2)", confirmed=False,
                       example="the person left the member states' territory on 2 March"),
            StatusRule(kind=_S.REMOVED, article="Art 16(2)", confirmed=False,
                       example="the person was removed on 2 March"),
            StatusRule(kind=_S.RELOCATED, article="Art 17(2)(b)", names_state=True,
                       example="the applicant is relocated to FR"),
        ),
    }
)  # fmt: skip
"""What a member state adds to its recorded data set afterwards, and under which article;
the hit reply carries these updates (603/2013 Art 11(h) to (k); 2024/1358 Art 17(2))."""

NOTICE_HOURS: Final = MappingProxyType(
    {Regime.EURODAC_2013: (None, "Art 18(1)"), Regime.EURODAC_2024: (72, "Art 31(1)")}
)
"""The central system tells the other member states of origin that had a hit of a marking:
within that many hours (None: the text sets no limit), under that article."""
