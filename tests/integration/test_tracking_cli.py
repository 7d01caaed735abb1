"""Operators' tracking commands on a real SQLite store: hits, cases, the deadline digest."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from stored_cases import stored_case, stored_hit
from web_rig import demo_data_dir

from gateway.adapters.sql_tracking import SqliteTrackingStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.app import body_cipher
from gateway.broker.records import StoredMessage
from gateway.cli import main
from gateway.domain.dublin import DublinRegime
from gateway.domain.requests import ReexaminationRequest
from gateway.messages import DublinSubmission, Message, read_message
from gateway.ports import MessageFilter
from gateway.settings import Settings
from gateway.tracking import Extension, Facts, Step, compute_deadline, load_calendar
from gateway.tracking.cases import CaseState, Direction
from gateway.tracking.records import CaseChange, CaseOpening

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"


def _seed(data_dir: Path) -> datetime:
    """A pending hit and an incoming case whose reply period started 25 days ago."""
    now = datetime.now(tz=UTC)

    async def work() -> None:
        store = await SqliteTrackingStore.open(data_dir / "gateway.sqlite3")
        await store.add_hit(
            stored_hit(
                "h-1",
                "BE1000000000001",
                "NL1000000000002",
                received=now.date(),
                registered=now.date(),
                at=now,
            ),
            [],
        )
        await store.close()

    asyncio.run(work())
    started = now.date() - timedelta(days=25)
    _open_case(
        data_dir,
        "c-1",
        Direction.INCOMING,
        CaseState.REQUEST_RECEIVED,
        reference="NL-77",
        **_reply_due(started),
    )
    return now


def _reply_due(started: date) -> dict[str, Any]:
    """The deadline of a take charge reply asked on `started`: Reg 2024/1351 Art 40(1), one
    month, then tacit acceptance."""
    return {
        "deadline": started + timedelta(days=31),
        "deadline_from": started,
        "deadline_step": "take-charge-reply",
        "deadline_basis": "Reg 2024/1351 Art 40(1)",
        "deadline_effect": "tacit-acceptance",
    }


def _json_file(path: Path, data: object) -> str:
    """`data` written to `path` as JSON, as an operator hands it to a command; the path."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _open_case(
    data_dir: Path,
    case_id: str,
    direction: Direction,
    state: CaseState,
    *,
    other_state: str = "NL",
    **details: Any,
) -> None:
    """A take charge case with `other_state` under the AMMR, as `details` say, opened now."""
    now = datetime.now(tz=UTC)
    case = stored_case(
        case_id,
        direction,
        state,
        at=now,
        regime=DublinRegime.AMMR,
        other_state=other_state,
        **details,
    )
    change = CaseChange(
        case_id=case.case_id, at=now, from_state=None, to_state=case.state, event=None
    )

    async def work() -> None:
        store = await SqliteTrackingStore.open(data_dir / "gateway.sqlite3")
        await store.add_case(CaseOpening(case=case, change=change), [])
        await store.close()

    asyncio.run(work())


def test_the_digest_lists_what_falls_due_with_its_basis(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(data_dir)
    assert main(["deadlines", "due", "--within", "40", "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    [item] = digest["due_soon"]
    assert (item["case_id"], item["step"]) == ("c-1", "take-charge-reply")
    assert item["legal_basis"].startswith("Reg 2024/1351")
    assert item["days_left"] >= 0
    assert main(["deadlines", "due", "--within", "0"]) == 0
    table = capsys.readouterr().out
    assert "overdue: 0" in table
    assert "due soon: 0" in table
    assert main(["deadlines", "due", "--within", "-1"]) == 1
    assert "GW-DL-WITHIN" in capsys.readouterr().err


def test_hits_and_cases_are_listed_and_shown(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(data_dir)
    assert main(["hits", "list"]) == 0
    assert "h-1" in capsys.readouterr().out
    assert main(["hits", "list", "--state", "rejected"]) == 0
    assert "no rejected hits" in capsys.readouterr().out
    assert main(["cases", "list", "--open"]) == 0
    assert "request_received" in capsys.readouterr().out
    assert main(["cases", "show", "c-1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [entry["event"] for entry in shown["history"]] == ["opened"]
    assert main(["cases", "show", "nope"]) == 1
    assert "GW-CASE-UNKNOWN" in capsys.readouterr().err


def test_the_tracking_tables_follow_a_sqlite_url_to_its_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = data_dir / "elsewhere"
    elsewhere.mkdir()
    _seed(elsewhere)
    monkeypatch.setenv("EUGW_DATABASE_URL", f"sqlite:///{elsewhere / 'gateway.sqlite3'}")
    assert main(["cases", "list"]) == 0
    assert "c-1" in capsys.readouterr().out


# ----- `eugw cases send`: a message on a case, signed and queued for the running gateway ----


def _rejected_case(data_dir: Path) -> str:
    """Our take charge request to NL, rejected; the id of the request."""
    request_id = str(uuid.uuid4())
    _open_case(
        data_dir,
        "c-2",
        Direction.OUTGOING,
        CaseState.REJECTED,
        reference="BE-TC-9",
        request_message_id=request_id,
    )
    return request_id


def _queued(data_dir: Path) -> list[tuple[StoredMessage, Message]]:
    """The messages queued for NL, each with what it carries (opened and read back)."""

    async def work() -> list[tuple[StoredMessage, Message]]:
        store = await SqliteStore.open(data_dir / "gateway.sqlite3")
        try:
            found = await store.find(MessageFilter(peer="NL:dublinet"))
        finally:
            await store.close()
        cipher = body_cipher(Settings(data_dir=data_dir))
        return [
            (sent, read_message(cipher.open(sent.body or b"", message_id=sent.message_id)))
            for sent in found
        ]

    return asyncio.run(work())


@pytest.fixture
def gateway_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with the demo PKI of `eugw certs init` (the signing key)."""
    data = demo_data_dir(tmp_path / "data")
    monkeypatch.setenv("EUGW_DATA_DIR", str(data))
    monkeypatch.setenv("EUGW_LOG_FORMAT", "json")
    return data


def test_a_message_sent_on_a_case_is_signed_and_queued_once_per_key(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = gateway_dir
    request_id = _rejected_case(data_dir)
    reasons = _json_file(data_dir / "reasons.json", {"reasons": "The minor's aunt lives in NL."})
    send = ["cases", "send", "c-2", "--type", "reexamination-request", "--file", reasons]
    assert main([*send, "--idempotency-key", "k-1"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "reexamination_requested"
    assert main([*send, "--idempotency-key", "k-1"]) == 0  # the same key: nothing more sent
    capsys.readouterr()

    [(sent, message)] = _queued(data_dir)
    assert (sent.message_type, sent.state.value) == ("dublinet.reexamination-request", "queued")
    assert sent.correlation_id == request_id
    assert isinstance(message.content, ReexaminationRequest)
    assert message.content.reasons == "The minor's aunt lives in NL."
    assert message.content.request_reference == "BE-TC-9"
    assert main(["cases", "show", "c-2"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    assert [(row["event"], row["to"]) for row in history] == [
        ("opened", "rejected"),
        ("reexamination_request", "reexamination_requested"),
    ]
    assert history[-1]["detail"] == f"our dublinet.reexamination-request ({sent.message_id})"


@pytest.mark.parametrize(
    ("args", "fields", "printed"),
    [
        (["--type", "reexamination-request"], {}, "GW-CASE-MESSAGE: reasons is required text"),
        (
            ["--type", "transfer-arrangement"],
            {"transfer_date": "soon", "arrival_place": "Schiphol", "colour": "red"},
            "GW-CASE-MESSAGE: colour is not a field of a transfer-arrangement (at colour)\n"
            "GW-CASE-MESSAGE: transfer_date is a date (YYYY-MM-DD) (at transfer_date)",
        ),
        (
            ["--type", "transfer-arrangement"],
            {"transfer_date": "2027-01-20", "arrival_place": "Schiphol"},
            "GW-CASE-TRANSITION: ",  # a rejected case is not transferred
        ),
        (
            ["--type", "info-request"],
            {"type": "health-certificate", "legal_basis": "Art 34"},
            "GW-CASE-MESSAGE: the file says type 'health-certificate', the command line "
            "'info-request' (at type)",
        ),
        (["--type", "info-request"], ["legal_basis"], "GW-CASE-MESSAGE: the file holds a JSON"),
    ],
)
def test_a_message_the_case_cannot_take_is_refused_with_its_code(
    gateway_dir: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fields: object,
    printed: str,
) -> None:
    _rejected_case(gateway_dir)
    file = _json_file(gateway_dir / "fields.json", fields)
    assert main(["cases", "send", "c-2", *args, "--file", file]) == 1
    assert capsys.readouterr().err.startswith(printed)
    assert _queued(gateway_dir) == []
    assert main(["cases", "show", "c-2"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "rejected"


def test_a_message_without_its_type_or_on_no_case_is_refused(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["cases", "send", "c-2", "--type", "eviction-notice"])
    assert usage.value.code == 2
    assert "invalid choice: 'eviction-notice'" in capsys.readouterr().err
    file = _json_file(gateway_dir / "fields.json", {"legal_basis": "Art 34"})
    assert main(["cases", "send", "c-9", "--type", "info-request", "--file", file]) == 1
    assert capsys.readouterr().err.startswith("GW-CASE-UNKNOWN: there is no case c-9")


def test_the_digest_refuses_an_unknown_calendar_instead_of_belgium_s(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown deadline_calendar is refused at start; a stored case with a state that has
    no calendar (GB, as no Dublin code can be) is an error, not a count with Belgium's
    holidays."""
    monkeypatch.setenv("EUGW_DEADLINE_CALENDAR", "XX")
    assert main(["deadlines", "due"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("GW-CFG-INVALID: 'XX' is no state's holiday calendar")
    assert "EUGW_DEADLINE_CALENDAR" in err
    monkeypatch.delenv("EUGW_DEADLINE_CALENDAR")

    started = datetime.now(tz=UTC).date() - timedelta(days=3)
    _open_case(
        data_dir,
        "c-gb",
        Direction.OUTGOING,  # they must reply: their holidays would count
        CaseState.ACKNOWLEDGED,
        other_state="GB",
        reference="BE-GB-1",
        **_reply_due(started),
    )
    assert main(["deadlines", "due", "--within", "40"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("GW-DL-CALENDAR: no holiday calendar 'GB'")


# ----- the person's situation and our plans, from the command line ---------------------------


def test_an_operator_records_absconding_and_the_2024_1351_art_46_2_limit_moves(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reg 2024/1351 Art 46(2): absconding extends the six months to three years, counted
    from the acceptance (ten days ago here); the history names the operator (--by)."""
    accepted_on = datetime.now(tz=UTC).date() - timedelta(days=10)
    _open_case(
        gateway_dir,
        "c-3",
        Direction.OUTGOING,
        CaseState.ACCEPTED,
        reference="BE-TC-3",
        deadline=accepted_on + timedelta(days=180),
        deadline_from=accepted_on,
        deadline_step="transfer",
        deadline_variant="base",
    )
    event = ["cases", "event", "c-3", "absconded", "--reason", "left the centre", "--by", "anne"]
    assert main(event) == 0
    moved = json.loads(capsys.readouterr().out)
    expected = compute_deadline(
        step=Step.TRANSFER,
        start=accepted_on,
        regime=DublinRegime.AMMR,
        calendar=load_calendar("BE"),  # we transfer
        facts=Facts(extension=Extension.ABSCONDING),
    )
    assert (moved["extension"], moved["deadline"]["date"]) == ("absconding", str(expected.date))
    assert moved["deadline"]["legal_basis"] == "Reg 2024/1351 Art 46(2)"
    assert main(["cases", "show", "c-3"]) == 0
    last = json.loads(capsys.readouterr().out)["history"][-1]
    assert (last["event"], last["by"]) == ("absconded", "anne")
    assert last["detail"].startswith("left the centre; transfer time limit")
    assert main(["cases", "event", "c-3", "released"]) == 1
    assert capsys.readouterr().err.startswith("GW-CASE-VARIANT: case c-3: the person is not")


def test_a_plan_opened_from_the_command_line_tells_the_peer_the_person_is_detained(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reg 604/2013 Art 28(3): the request says so (NL then answers within two weeks); an
    urgent reply asked without its reasons is refused (Art 21(2))."""
    data = json.loads((SAMPLES / "applicant-2026.json").read_bytes())
    data["application"] |= {"registered_on": "2026-05-04", "lodged_on": "2026-05-04"}
    plan = {
        "kind": "take_charge",
        "requested_state": "NL",
        "legal_basis": "Reg 604/2013 Art 13(1)",
        "record": data,
        "detained": True,
        "detention_reason": "risk of absconding",
    }
    file = _json_file(gateway_dir / "plan.json", plan)
    opening = ["cases", "open", "--file", file, "--idempotency-key", "p-1", "--by", "anne"]
    assert main(opening) == 0
    case = json.loads(capsys.readouterr().out)
    assert (case["regime"], case["request_detained"], case["detention_reason"]) == (
        "604/2013",
        True,
        "risk of absconding",
    )
    assert main(opening) == 0  # the same key: the same case, nothing sent twice
    assert json.loads(capsys.readouterr().out)["case_id"] == case["case_id"]
    [(sent, message)] = _queued(gateway_dir)
    assert sent.message_id == case["request_message_id"]
    assert isinstance(message.content, DublinSubmission)
    assert (message.content.request.detained, message.content.request.urgent) == (True, False)

    urgent = _json_file(gateway_dir / "plan.json", plan | {"urgent": True})
    assert main(["cases", "open", "--file", urgent]) == 1
    assert "GW-CASE-PLAN: an urgent reply is asked with its reasons" in capsys.readouterr().err


def test_a_refusal_without_its_basis_and_reasons_is_refused_and_nothing_is_sent(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reg 1560/2003 Art 5(1): a negative reply states full and detailed reasons."""
    _seed(gateway_dir)
    refuse = ["cases", "reply", "c-1", "--outcome", "reject", "--reason-code", "no-evidence"]
    assert main(refuse) == 1
    assert "GW-CASE-REFUSAL-REASONS" in capsys.readouterr().err
    assert main([*refuse, "--legal-basis", "Art 40(1) Reg 2024/1351"]) == 1
    assert "full and detailed reasons" in capsys.readouterr().err
    assert main(["cases", "show", "c-1"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "request_received"
    assert _queued(gateway_dir) == []
