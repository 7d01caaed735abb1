"""Webhook targets from the setting, and the HMAC signature a receiver checks."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gateway.errors import ConfigError
from gateway.pipeline.results import parse_webhooks, sign_webhook, verify_webhook

SECRET = "0123456789abcdef-secret"  # noqa: S105 - a test value


def test_targets_are_read_per_submitter() -> None:
    targets = parse_webhooks(
        f"evibel=https://evibel.example/hook;{SECRET}, actio=http://10.0.0.5:8080/r;{SECRET}x"
    )
    assert sorted(targets) == ["actio", "evibel"]
    assert targets["evibel"].url == "https://evibel.example/hook"
    assert targets["actio"].secret == SECRET + "x"
    assert SECRET not in repr(targets["evibel"])
    assert parse_webhooks("") == {}


@pytest.mark.parametrize(
    "text",
    [
        "evibel=https://evibel.example/hook",  # no secret
        "evibel=https://evibel.example/hook;short",
        "evibel=ftp://evibel.example/hook;" + SECRET,
        "=https://evibel.example/hook;" + SECRET,
    ],
)
def test_a_bad_target_is_refused_with_its_code(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_webhooks(text)
    assert raised.value.code == "GW-RES-WEBHOOK"
    assert SECRET not in str(raised.value)


def test_the_signature_is_hmac_sha256_of_timestamp_and_body() -> None:
    body = b'{"result_id": "r-1"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign_webhook(SECRET, 1_700_000_000, body) == f"v1={expected}"


def test_a_receiver_refuses_other_bodies_secrets_and_stale_timestamps() -> None:
    body = b'{"result_id": "r-1"}'
    signature = sign_webhook(SECRET, 1_700_000_000, body)
    assert verify_webhook(SECRET, 1_700_000_000, body, signature, now=1_700_000_100)
    assert not verify_webhook(SECRET, 1_700_000_000, body + b" ", signature, now=1_700_000_000)
    assert not verify_webhook(SECRET + "x", 1_700_000_000, body, signature, now=1_700_000_000)
    assert not verify_webhook(SECRET, 1_700_000_000, body, signature, now=1_700_001_000)
