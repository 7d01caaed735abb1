"""The signature table of `eugw bench messages`: both key types against the raw floor.

Smoke tests with tiny counts: the figures mean nothing here, their presence and
shape do (and the aims line says met or NOT met without failing the command).
"""

from __future__ import annotations

import json

from test_cli import eugw

from gateway.bench import signing
from gateway.bench.signatures import SignatureBench
from gateway.security.pki import KeyType

LABELS = ["RSA-2048", "ECDSA P-256"]


def test_each_key_type_is_measured_against_its_raw_operation_and_signxml() -> None:
    benches = signing.signature_benches(10)
    assert [bench.key_type for bench in benches] == LABELS
    for bench in benches:
        assert bench.count == 2  # messages per round: 10 // 5 rounds
        rates = [
            bench.signs_per_second,
            bench.raw_signs_per_second,
            bench.signxml_signs_per_second,
            bench.verifies_per_second,
            bench.raw_verifies_per_second,
            bench.signxml_verifies_per_second,
        ]
        assert all(rate > 0 for rate in rates)
    text = signing.format_signatures(benches)
    assert [line.split()[0] for line in text.splitlines()[2:4]] == ["RSA-2048", "ECDSA"]
    assert text.splitlines()[-1].startswith("aims (RSA-2048: sign within 1.5x, verify within 3.0x")


def test_the_aims_are_the_ratios_to_the_raw_operations() -> None:
    def bench(sign: float, verify: float) -> SignatureBench:
        return SignatureBench(
            key_type="RSA-2048",
            count=1,
            message_bytes=1,
            signs_per_second=sign,
            verifies_per_second=verify,
            raw_signs_per_second=3000.0,
            raw_verifies_per_second=30000.0,
            signxml_signs_per_second=1.0,
            signxml_verifies_per_second=1.0,
        )

    assert (bench(2000, 10000).sign_ratio, bench(2000, 10000).verify_ratio) == (1.5, 3.0)
    assert signing.format_signatures([bench(2000, 10000)]).endswith(": met")
    assert signing.format_signatures([bench(1999, 10000)]).endswith(": NOT met")
    assert signing.format_signatures([bench(2000, 9999)]).endswith(": NOT met")


def test_the_command_prints_both_key_types_and_the_aims() -> None:
    result = eugw("bench", "messages", "--count", "10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    table = lines.index(next(line for line in lines if line.startswith("signatures: ")))
    assert [line.split()[0] for line in lines[table + 2 : table + 4]] == ["RSA-2048", "ECDSA"]
    assert lines[-1].startswith("aims (RSA-2048")
    unsigned = eugw("bench", "messages", "--count", "10", "--unsigned")
    assert "signatures: " not in unsigned.stdout


def test_the_json_report_has_the_signature_figures() -> None:
    result = eugw("bench", "messages", "--count", "10", "--key-type", KeyType.EC.value, "--json")
    assert result.returncode == 0, result.stderr
    signatures = json.loads(result.stdout)["signatures"]
    assert sorted(signatures) == sorted(LABELS)
    assert {"sign", "raw_sign", "sign_ratio", "verify", "raw_verify", "verify_ratio"} <= set(
        signatures["RSA-2048"]
    )
