"""The synthetic matcher over 1,000 persons: no false match and no false non-match."""

from __future__ import annotations

from gateway.synthetic.biometrics.rates import error_rates


def test_a_thousand_persons_captured_twice_are_told_apart_without_error() -> None:
    rates = error_rates(1000)
    assert (rates.finger.genuine, rates.finger.impostor) == (10_000, 9_990_000)
    assert (rates.ten_print.genuine, rates.ten_print.impostor) == (1000, 999_000)
    for kind in (rates.finger, rates.ten_print, rates.face):
        assert kind.false_matches == 0, kind
        assert kind.false_non_matches == 0, kind
