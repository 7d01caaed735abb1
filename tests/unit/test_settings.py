from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ConfigError
from gateway.settings import LogFormat, LogLevel, Settings, _as_type, load_settings


def test_defaults_need_nothing() -> None:
    assert load_settings({}) == Settings()
    assert Settings().member_state == "BE"


def test_environment_variables() -> None:
    settings = load_settings(
        {"EUGW_MEMBER_STATE": "NL", "EUGW_LOG_LEVEL": "DEBUG", "EUGW_DATA_DIR": "/srv/eugw"}
    )
    assert settings.member_state == "NL"
    assert settings.log_level is LogLevel.DEBUG
    assert settings.data_dir == Path("/srv/eugw")


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('member_state = "FR"\nlog_format = "json"\n', encoding="utf-8")
    settings = load_settings({"EUGW_CONFIG": str(config), "EUGW_MEMBER_STATE": "DE"})
    assert settings.member_state == "DE"
    assert settings.log_format is LogFormat.JSON


@pytest.mark.parametrize(
    ("environ", "code", "where"),
    [
        ({"EUGW_MEMBER_STATE": "US"}, "GW-CFG-INVALID", "EUGW_MEMBER_STATE"),
        ({"EUGW_LOG_LEVEL": "loud"}, "GW-CFG-INVALID", "EUGW_LOG_LEVEL"),
        ({"EUGW_MEMBR_STATE": "BE"}, "GW-CFG-UNKNOWN", "EUGW_MEMBR_STATE"),
        ({"EUGW_CONFIG": "/nonexistent/eugw.toml"}, "GW-CFG-FILE", "/nonexistent/eugw.toml"),
    ],
)
def test_a_wrong_value_is_refused_with_its_name(
    environ: dict[str, str], code: str, where: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert caught.value.code == code
    assert caught.value.path == where
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [("member_state = [", "GW-CFG-FILE"), ('colour = "blue"', "GW-CFG-UNKNOWN")],
)
def test_a_bad_file_is_refused(tmp_path: Path, text: str, code: str) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config)
    assert caught.value.code == code
    assert str(config) in caught.value.path


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().member_state = "NL"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (int, "42", 42),
        (int, 7, 7),
        (bool, "yes", True),
        (bool, "0", False),
        (Path, "a/b", Path("a/b")),
    ],
)
def test_value_conversion(kind: type, raw: object, expected: object) -> None:
    assert _as_type(kind, raw, "EUGW_X") == expected


@pytest.mark.parametrize(("kind", "raw"), [(int, "4.2"), (bool, "maybe")])
def test_values_that_do_not_convert(kind: type, raw: str) -> None:
    with pytest.raises(ConfigError, match=repr(raw)) as caught:
        _as_type(kind, raw, "EUGW_X")
    assert caught.value.path == "EUGW_X"


def test_deadline_settings() -> None:
    assert (Settings().deadline_calendar, Settings().deadline_alert_days) == ("BE", 5)
    settings = load_settings({"EUGW_DEADLINE_CALENDAR": "FR", "EUGW_DEADLINE_ALERT_DAYS": "10"})
    assert (settings.deadline_calendar, settings.deadline_alert_days) == ("FR", 10)
    for variable, value in (("EUGW_DEADLINE_CALENDAR", "XX"), ("EUGW_DEADLINE_ALERT_DAYS", "-1")):
        with pytest.raises(ConfigError) as raised:
            load_settings({variable: value})
        assert raised.value.code == "GW-CFG-INVALID"
        assert raised.value.path == variable
