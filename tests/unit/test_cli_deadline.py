"""`eugw deadline` through `gateway.cli.main`: JSON on stdout, code and sentence on stderr."""

from __future__ import annotations

import json

import pytest

from gateway.cli import main
from gateway.domain.member_states import MEMBER_STATES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["deadline", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EUGW_CONFIG", "EUGW_DEADLINE_CALENDAR"):
        monkeypatch.delenv(name, raising=False)


def test_take_charge_reply(capsys: pytest.CaptureFixture[str]) -> None:
    """Reg 604/2013 Art 22(1): 2 months; 2 May 2026 is a Saturday, so Monday 4 May."""
    status, out, _ = run(
        capsys, "--regime", "dublin3", "--step", "take-charge-reply", "--from", "2026-03-02"
    )
    assert status == 0
    result = json.loads(out)
    assert list(result)[:3] == ["deadline", "legal_basis", "effect_if_missed"]
    assert result["deadline"] == "2026-05-04"
    assert result["legal_basis"] == "Reg 604/2013 Art 22(1) and 22(7)"
    assert result["effect_if_missed"].startswith("tacit acceptance")
    assert result["nominal_date"] == "2026-05-02"
    assert out.count("\n") == 1


def test_auto_picks_the_regime_from_the_registration(capsys: pytest.CaptureFixture[str]) -> None:
    """Reg 2024/1351 Art 84 and Art 41(1): a take back notification within 2 weeks of the hit."""
    status, out, _ = run(
        capsys, "--regime", "auto", "--registered", "2026-07-01",
        "--step", "take-back-notification", "--from", "2026-07-07", "--hit",
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert result["regime"] == "2024/1351"
    assert result["deadline"] == "2026-07-22"  # 21 July: National Day in Belgium


def test_flags_select_the_variant(capsys: pytest.CaptureFixture[str]) -> None:
    """Reg 604/2013 Art 29(2): 18 months when the person absconds."""
    status, out, _ = run(
        capsys, "--regime", "dublin3", "--step", "transfer", "--from", "2026-03-04",
        "--extension", "absconding",
    )  # fmt: skip
    assert status == 0
    assert json.loads(out)["deadline"] == "2027-09-06"
    status, out, _ = run(
        capsys, "--regime", "ammr", "--step", "take-charge-reply", "--from", "2026-09-02",
        "--detained",
    )  # fmt: skip
    assert json.loads(out)["legal_basis"] == "Reg 2024/1351 Art 45(2)"


def test_604_2013_art_24_no_application_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """Reg 604/2013 Art 24(2): no new application here, 3 months from the day the requesting
    state became aware (4 March 2026 → Thursday 4 June 2026); no shift of responsibility."""
    status, out, _ = run(
        capsys, "--regime", "dublin3", "--step", "take-back-request", "--from", "2026-03-04",
        "--no-application", "--detained",
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert (result["deadline"], result["variant"]) == ("2026-06-04", "no-application")
    assert result["legal_basis"] == "Reg 604/2013 Art 24(2) second subparagraph"
    assert result["effect"] == "new-application-opportunity-or-return"


def test_the_calendar_option_and_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reg 1182/71 Art 3(4): 21 July 2026 is a working day in the Netherlands."""
    args = ("--regime", "ammr", "--step", "take-back-confirmation", "--from", "2026-07-07")
    assert json.loads(run(capsys, *args, "--calendar", "NL")[1])["deadline"] == "2026-07-21"
    monkeypatch.setenv("EUGW_DEADLINE_CALENDAR", "NL")
    assert json.loads(run(capsys, *args)[1])["deadline"] == "2026-07-21"
    monkeypatch.setenv("EUGW_DEADLINE_CALENDAR", "XX")
    status, _, err = run(capsys, *args)
    assert status == 2
    assert err.startswith("GW-CFG-INVALID")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--regime", "ammr", "--step", "take-back-request", "--from", "2026-09-02"),
         "GW-DL-NO-SUCH-STEP"),
        (("--regime", "dublin3", "--step", "take-back-notification", "--from", "2026-03-02"),
         "GW-DL-NO-SUCH-STEP"),
        (("--regime", "ammr", "--step", "reexamination-request", "--from", "2026-09-02"),
         "GW-DL-NOT-LAID-DOWN"),
        (("--regime", "dublin3", "--step", "transfer", "--from", "2026-02-30"), "GW-DL-DATE"),
        (("--regime", "dublin3", "--step", "transfer", "--from", "20260301"), "GW-DL-DATE"),
        (("--regime", "auto", "--registered", "2026-7-1", "--step", "transfer", "--from",
          "2026-09-02"), "GW-DL-DATE"),
        (("--regime", "dublin3", "--registered", "2026-08-01", "--step", "transfer", "--from",
          "2026-09-02"), "GW-DL-REGIME-MISMATCH"),
        (("--regime", "dublin3", "--step", "transfer", "--from", "2026-03-02", "--calendar",
          "XX"), "GW-DL-CALENDAR"),
    ],
)  # fmt: skip
def test_bad_input_exits_one_with_code_and_sentence(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: str
) -> None:
    status, out, err = run(capsys, *args)
    assert status == 1
    assert out == ""
    assert err.startswith(f"{code}: ")
    assert len(err.strip()) > len(code) + 10


def test_auto_without_registration_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--regime", "auto", "--step", "transfer", "--from", "2026-03-02")
    assert status == 2
    assert err.startswith("GW-CFG-USAGE: ")


def test_an_unknown_step_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["deadline", "--regime", "ammr", "--step", "appeal", "--from", "2026-03-02"])
    assert raised.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_dublin_state_is_a_calendar_and_help_lists_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("--regime", "dublin3", "--step", "take-charge-reply", "--from", "2026-04-02")
    for code in sorted(MEMBER_STATES):
        status, out, err = run(capsys, *args, "--calendar", code)
        assert (status, err) == (0, ""), code
        assert json.loads(out)["calendar"] == code
    with pytest.raises(SystemExit):
        main(["deadline", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert ", ".join(sorted(MEMBER_STATES)) in helped


def test_an_italian_reply_period_ends_after_the_festa_della_repubblica(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Reg 604/2013 Art 22(1) and Reg 1182/71 Art 3(4): 2 months from Thursday 2 April 2026
    end on Tuesday 2 June, Italy's Festa della Repubblica, so on Wednesday 3 June; Belgium
    works on 2 June."""
    args = ("--regime", "dublin3", "--step", "take-charge-reply", "--from", "2026-04-02")
    italy = json.loads(run(capsys, *args, "--calendar", "IT")[1])
    assert (italy["nominal_date"], italy["deadline"]) == ("2026-06-02", "2026-06-03")
    assert json.loads(run(capsys, *args, "--calendar", "it")[1])["deadline"] == "2026-06-03"
    assert json.loads(run(capsys, *args, "--calendar", "BE")[1])["deadline"] == "2026-06-02"


@pytest.mark.parametrize("code", ["XX", "GB", "B", "be-x"])
def test_an_unknown_calendar_names_the_option_and_falls_back_to_none(
    capsys: pytest.CaptureFixture[str], code: str
) -> None:
    """Never Belgium's holidays in place of an unknown state's."""
    status, out, err = run(
        capsys, "--regime", "dublin3", "--step", "transfer", "--from", "2026-03-02",
        "--calendar", code,
    )  # fmt: skip
    assert (status, out) == (1, "")
    assert err.startswith(f"GW-DL-CALENDAR: no holiday calendar {code!r}")
    assert err.rstrip().endswith("(at --calendar)")
    assert "IT" in err
