"""The rule book `docs/law.md`, written from the law's tables so that the two cannot drift.

    .venv/bin/python -m gateway.domain.law_book > docs/law.md

`tests/unit/test_law_book.py` fails when the file differs from `render()`. Every example
is computed by the functions the gateway and the simulated Central System use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import TransmissionDelay
from gateway.domain.eurodac_checks import Events, deadline, expires_on, rule_of, too_young
from gateway.domain.eurodac_law import (
    ACTIONS,
    AGE_RULES,
    CATEGORIES,
    NOTICE_HOURS,
    REGIME_RULE,
    STATUS_UPDATES,
    CategoryRule,
    Extension,
    Regime,
    Retention,
    Start,
)

__all__ = ["render"]

_DAY = date(2026, 9, 15)
_OLD_DAY = date(2026, 3, 10)
_NAMES = {Regime.EURODAC_2013: "Regulation (EU) No 603/2013", Regime.EURODAC_2024:
          "Regulation (EU) 2024/1358"}  # fmt: skip

_INTRO = """\
# The Eurodac rule book

What the gateway and its simulated Eurodac Central System do because the law says so, one
rule per line, each with its article and an example. This file is written from the tables
in `gateway/domain/eurodac_law.py` (`python -m gateway.domain.law_book > docs/law.md`); a
test fails when the two differ, so what is written here is what the code does.

Articles are those of the regulation of the section. A rule marked † is the regulation's,
but we could not read the paragraph number in the text at hand: a lawyer should check it
(the list is at the end).
"""

_CHOICES = """\
## Where the law leaves a choice

- **Which regulation.** Regulation 2024/1358 applies from 12 June 2026 and repeals
  Regulation 603/2013 from that day; it says nothing of data taken before and transmitted
  after it. We take the day the biometric data were taken: what was taken (fingerprints
  only, or also a face; from 14 or from 6 years of age) is fixed that day, and data taken
  lawfully under 603/2013 could not meet 2024/1358 (no facial image, Art 17(1)(b)). Every
  later act on that data set (correction, marking, erasure) follows the same regulation;
  the simulated Central System refuses an act under the other one. A record that gives
  neither the day of capture nor of registration (a decision on protection from Actio)
  keeps the regulation its source names; the Central System checks it against the data
  set it concerns. The alternative, the day
  of transmission, is the literal reading of "applies from"; it would refuse such data.
- **A doubtful age under 603/2013.** 603/2013 has no rule for a person whose age is
  uncertain; the gateway refuses only a person certainly under 14 and leaves the age
  assessment to the member state. Under 2024/1358 the text decides (Art 14(1)): a child
  who may be under six is treated as under six.
- **Only a date.** The national systems give the day of an event, not its hour. A time
  limit is counted from the end of that day (UTC): a transmission found late was late
  whatever the hour of the event. Where the start event's day is not in the record, the
  day the biometric data were taken stands in (never earlier than the event).
- **Extensions.** The health and retake derogations give 48 hours from the end of the
  health grounds or the retake; we take the later of that and the ordinary limit (a
  derogation gives more time, never less). A technical failure adds 48 hours.
- **Late data are still sent.** "Non-compliance with the 72-hour time limit shall not
  relieve Member States of the obligation" (603/2013 Art 9(1); 2024/1358 Art 15(1)): the
  gateway never refuses late data; the simulated Central System records them as late
  (or, with `--late-policy refuse`, answers `transmission-late`, a test setting only).
- **A seeded data set** (the simulator's control API) counts as transmitted the day its
  data were taken.
- **No reason given.** A national record that asks to mark, unmark or erase without
  naming the ground stands for the usual one: protection granted, protection withdrawn,
  citizenship acquired (`transaction.reason` names another).
"""


def _date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _when(moment: datetime) -> str:
    last = moment - timedelta(seconds=1)
    return f"the end of {_date(last.date())} (UTC)"


def _dagger(confirmed: bool) -> str:
    return "" if confirmed else " †"


def _period(retention: Retention) -> str:
    parts = []
    if retention.years:
        parts.append(f"{retention.years} year{'s' if retention.years > 1 else ''}")
    if retention.months:
        parts.append(f"{retention.months} months")
    return " ".join(parts)


def _compared(regime: Regime, rule: CategoryRule) -> str:
    if not rule.compared_against:
        return "nothing (recorded for later comparisons)" if rule.stored else "nothing"
    digits = ", ".join(str(d) for d in sorted(rule.compared_against))
    marked = ""
    if rule.compared_marked_only:
        only = ", ".join(str(d) for d in sorted(rule.compared_marked_only))
        marked = f" (of {only}: marked data sets only)"
    return f"stored data of categories {digits}{marked} ({rule.compared_article})"


def _retention_line(regime: Regime, digit: int, rule: CategoryRule, point: str | None) -> str:
    if rule.retention is None:
        return f"not recorded ({rule.not_recorded_article})"
    retention = rule.retention
    end = expires_on(regime, digit, captured_on=_DAY, transmitted_on=_DAY + timedelta(days=1),
                     point=point)  # fmt: skip
    start = "taken" if retention.start is Start.CAPTURE else "transmitted"
    day = _DAY if retention.start is Start.CAPTURE else _DAY + timedelta(days=1)
    return (
        f"{_period(retention)} from {retention.start.value} ({retention.article}"
        f"{_dagger(retention.confirmed)}); e.g. {start} on {_date(day)}: erased on "
        f"{_date(end)}"
        if end
        else ""
    )


def _categories(regime: Regime) -> list[str]:
    lines = [
        "| category | who | taken under | recorded, for how long | compared against |",
        "|---|---|---|---|---|",
    ]
    for digit, rule in _in_order(regime):
        points: list[str | None] = [p.point for p in rule.points] or [None]
        for point in points:
            effective = rule_of(regime, digit, point)
            since = (
                f"; from {_date(rule.applies_from)} ({rule.applies_from_article}{_dagger(False)})"
                if rule.applies_from
                else ""
            )
            name = f"{digit} ({point})" if point else str(digit)
            lines.append(
                f"| {name} | {effective.name}{since} | {effective.article}"
                f"{_dagger(rule.confirmed)} | {_retention_line(regime, digit, effective, point)}"
                f" | {_compared(regime, effective)} |"
            )
    return lines


def _in_order(regime: Regime) -> list[tuple[int, CategoryRule]]:
    """Categories 1 to 9, then 0 (temporary protection, the last one added)."""
    return sorted(CATEGORIES[regime].items(), key=lambda item: (item[0] == 0, item[0]))


def _extension(extension: Extension) -> str:
    if extension.after_ground:
        what = {
            "health": "48 hours after the health grounds cease",
            "retaken": "48 hours after the prints were successfully retaken",
        }[extension.ground.value]
    else:
        what = f"{extension.hours} more hours for serious technical problems"
    return f"{what} ({extension.article}{_dagger(extension.confirmed)})"


def _limits(regime: Regime) -> list[str]:
    lines: list[str] = []
    for digit, rule in _in_order(regime):
        limit = rule.time_limit
        if limit is None:
            if rule.time_limit_note:
                lines.append(f"- Category {digit}: {rule.time_limit_note}.")
            continue
        amount = f"{limit.hours // 24} days" if limit.hours % 24 == 0 and limit.hours > 72 else (
            f"{limit.hours} hours")  # fmt: skip
        events = _events(limit.start, _DAY)
        found = deadline(regime, digit, events)
        assert found is not None  # noqa: S101 - a limit with its start day gives a deadline
        lines.append(
            f"- Category {digit}: within {amount} of {limit.start.value} ({limit.article}"
            f"{_dagger(limit.confirmed)}); e.g. {limit.start.value} on {_date(_DAY)}: by "
            f"{_when(found.at)}."
        )
        if limit.border_start is not None:
            border = deadline(regime, digit, Events(captured_on=_DAY, at_border=True))
            assert border is not None  # noqa: S101
            lines.append(
                f"  - An application made at a border crossing point or in a transit zone: "
                f"from {limit.border_start.value} ({limit.border_article}); e.g. taken on "
                f"{_date(_DAY)}: by {_when(border.at)}."
            )
        for extension in limit.extensions:
            delay = TransmissionDelay(ground=extension.ground, since=_DAY + timedelta(days=5))
            later = deadline(regime, digit, events, delay)
            assert later is not None  # noqa: S101
            example = f"by {_when(later.at)}"
            if extension.after_ground:
                what = "retaken" if extension.ground.value == "retaken" else "grounds ceased"
                example = f"{what} on {_date(_DAY + timedelta(days=5))}: {example}"
            lines.append(f"  - Extension: {_extension(extension)}; e.g. {example}.")
        if rule.time_limit_note:
            lines.append(f"  - Also: {rule.time_limit_note}.")
    return lines


def _events(start: Start, day: date) -> Events:
    """Events where only `start` happened, on `day`."""
    return Events(
        captured_on=day if start is Start.CAPTURE else None,
        lodged_on=day if start is Start.LODGING else None,
        registered_on=day if start is Start.REGISTRATION else None,
        apprehended_on=day if start is Start.APPREHENSION else None,
        disembarked_on=day if start is Start.DISEMBARKATION else None,
    )


def _age(regime: Regime) -> list[str]:
    rule = AGE_RULES[regime]
    day = _DAY if regime is Regime.EURODAC_2024 else _OLD_DAY
    year = day.year - rule.years
    partial = PartialDate(year=year)
    verdict = "refused" if too_young(regime, 1, partial, day) else "taken"
    return [
        f"- Biometric data are taken from the age of {rule.years} ({rule.article}).",
        f"- A date of birth not fully known: {rule.doubt.value} ({rule.doubt_article}); "
        f"e.g. born \"{year}\", data taken on {_date(day)}: {verdict}.",
        "- Requests of law enforcement authorities and Europol, and the data subject's, have "
        "no minimum age." if regime is Regime.EURODAC_2024 else
        "- The age applies to every category.",
    ]  # fmt: skip


def _actions(regime: Regime) -> list[str]:
    lines = ["| act | ground | categories | article | example |", "|---|---|---|---|---|"]
    for rule in ACTIONS[regime]:
        digits = ", ".join(str(d) for d in sorted(rule.categories))
        lines.append(
            f"| {rule.operation.value} | {rule.reason} | {digits} | {rule.article}"
            f"{_dagger(rule.confirmed)} | {rule.example} |"
        )
    hours, article = NOTICE_HOURS[regime]
    within = f"within {hours} hours" if hours else "(no time limit in the text)"
    lines += [
        "",
        "Anything else is refused, by the gateway before sending (`GW-VAL-MARK-CATEGORY`, "
        "`GW-VAL-MARK-REASON`, `GW-VAL-UNMARK-REASON`, `GW-VAL-ERASURE-CATEGORY`, "
        "`GW-VAL-ERASURE-REASON`) and by the simulated Central System (`mark-not-allowed`, "
        "`unmark-not-allowed`, `erasure-not-allowed`), each naming the article. An unmark "
        "lifts only the mark its row names.",
        "",
        f"When data are marked for protection granted, the Central System tells every other "
        f"member state of origin whose data produced a hit with them {within} ({article}); "
        f"those states mark their corresponding data sets too. The gateway receives it as an "
        f"`eurodac.marking-notice` and puts a `marking-notice` result in the inbox of the "
        f"system that submitted its data set (else the Dublin unit's); e.g. the Netherlands "
        f"mark NL1…, which had a hit with BE1…: Belgium is told to mark BE1….",
    ]
    return lines


_HIT = {
    Regime.EURODAC_2013: (
        "A hit carries, for each matched data set, the data of Art 11(a) to (k) and the mark "
        "of Art 18(1) (Art 9(5)): the fingerprints (for the expert who verifies it, Art "
        "25(4)), the member state of origin, place and date of the application (for category "
        "2, of the apprehension, Art 15), sex, reference number, the dates the prints were "
        "taken and transmitted, and the updates of Art 10."
    ),
    Regime.EURODAC_2024: (
        "A hit carries, for each matched data set, the data of Art 17(1) and (2) and their "
        "equivalents (Arts 19, 21 to 24, 26) with the mark of Art 31(1) or (4) (Art 28(4)): "
        "fingerprints and facial image, names, nationality, date and place of birth, sex, "
        "document data, place and date of the application, apprehension or disembarkation, "
        "reference number, the dates taken and transmitted, the updates of Arts 16 and 17(2), "
        "the security flag, and the mark with its ground."
    ),
}


def _data(regime: Regime) -> list[str]:
    lines = []
    for digit, rule in _in_order(regime):
        if rule.event_data is not None:
            lines.append(
                f"- Category {digit}: the place and date of {rule.event_data.value} are part "
                f"of the data set ({rule.event_data_article}"
                f"{_dagger(rule.event_data_confirmed)}); e.g. an enrolment without them "
                "is refused (`GW-VAL-EVENT-REQUIRED`)."
            )
    if regime is Regime.EURODAC_2024:
        lines.append(
            "- Where applicable, the fact that the person could pose a threat to internal "
            "security following the screening or a security check (the security flag, Art "
            "17(2)); 603/2013 records none (`GW-VAL-NOT-IN-REGIME`)."
        )
    lines += ["", "Updates after recording (`eurodac.status`), by the member state of origin:", ""]
    for update in STATUS_UPDATES[regime]:
        state = " (names the member state)" if update.names_state else ""
        lines.append(
            f"- {update.kind.value}{state} ({update.article}{_dagger(update.confirmed)}); "
            f"e.g. {update.example}."
        )
    return [*lines, "", _HIT[regime]]


def _unconfirmed() -> list[str]:
    found: list[str] = []
    if not REGIME_RULE.confirmed:
        found.append(f"- The regime: {REGIME_RULE.article}.")
    for regime, rules in CATEGORIES.items():
        for digit, rule in rules.items():
            for item in _unconfirmed_of(rule):
                found.append(f"- {_NAMES[regime]}, category {digit}: {item}.")
        found += [
            f"- {_NAMES[regime]}: the {u.kind.value} update ({u.article})."
            for u in STATUS_UPDATES[regime]
            if not u.confirmed
        ]
        for action in ACTIONS[regime]:
            if not action.confirmed:
                found.append(
                    f"- {_NAMES[regime]}: {action.operation.value} for {action.reason} "
                    f"({action.article})."
                )
    return found


def _unconfirmed_of(rule: CategoryRule) -> list[str]:
    items = []
    if not rule.confirmed:
        items.append(f"the article of the category ({rule.article})")
    if rule.applies_from is not None:
        items.append(f"in force from {_date(rule.applies_from)} ({rule.applies_from_article})")
    if rule.event_data is not None and not rule.event_data_confirmed:
        items.append(f"place and date of {rule.event_data.value} ({rule.event_data_article})")
    if rule.retention is not None and not rule.retention.confirmed:
        items.append(f"retention {_period(rule.retention)} ({rule.retention.article})")
    if rule.time_limit is not None:
        if not rule.time_limit.confirmed:
            items.append(f"time limit ({rule.time_limit.article})")
        items += [
            f"{e.ground.value} extension ({e.article})"
            for e in rule.time_limit.extensions
            if not e.confirmed
        ]
    return items


def render() -> str:
    """The whole rule book, as Markdown."""
    out = [_INTRO]
    out += [
        "## Which regulation",
        "",
        f"- 603/2013 until 11 June 2026, 2024/1358 from {_date(REGIME_RULE.switch)} "
        f"({REGIME_RULE.article}{_dagger(REGIME_RULE.confirmed)}).",
        f"- Decided by {REGIME_RULE.decided_by}, for every transaction about the data set "
        "(`gateway.domain.rules.regime_of`; a transaction naming the other one is refused, "
        "`GW-VAL-REGIME`).",
        f"- E.g. fingerprints taken on 11 June 2026 go under 603/2013, even if sent on "
        f"{_date(datetime(2026, 6, 13, tzinfo=UTC).date())}; taken on 12 June 2026, under "
        "2024/1358.",
        "",
    ]
    for regime in Regime:
        out += [f"## {_NAMES[regime]}", "", "### Categories: what is recorded, for how long, "
                "compared against what", ""]  # fmt: skip
        out += _categories(regime)
        out += ["", "### What a data set carries, its updates, what a hit carries", ""]
        out += _data(regime)
        out += ["", "### Minimum age", "", *_age(regime)]
        out += ["", "### Transmission time limits", "", *_limits(regime)]
        out += ["", "### Marking, unmarking and advance erasure", "", *_actions(regime)]
        out.append("")
    out.append(_CHOICES)
    out += ["## Paragraph numbers to check (†)", "", *_unconfirmed(), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")  # noqa: T201 - the rule book to standard output
