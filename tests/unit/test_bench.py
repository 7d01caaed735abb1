"""The signature benchmark runs and reports sensible numbers (tiny count: it is a smoke test)."""

from __future__ import annotations

from lxml import etree

from gateway.bench.signatures import bench_signatures, sample_message


def test_the_sample_message_has_the_asked_size() -> None:
    assert 6000 <= len(etree.tostring(sample_message(6000))) < 6200


def test_the_benchmark_reports_both_key_types_against_the_raw_floor() -> None:
    results = bench_signatures(count=10, size=1000)
    assert [result.key_type for result in results] == ["RSA-2048", "ECDSA P-256"]
    assert all(r.signs_per_second > 0 and r.verifies_per_second > 0 for r in results)
    assert all(r.raw_signs_per_second > 0 and r.raw_verifies_per_second > 0 for r in results)
    assert "x the raw" in str(results[0])
