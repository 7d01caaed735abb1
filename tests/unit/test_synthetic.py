from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from nist_samples import gray_png

from gateway.ansi_nist import Header, biometric_set_to_transaction, read_biometric_set
from gateway.domain import Regime
from gateway.errors import InputError
from gateway.synthetic.biometrics import (
    FINGER_THRESHOLD,
    Gallery,
    biometric_set,
    compare,
    match,
    templates_of,
)
from gateway.synthetic.biometrics.gallery import PersonTemplates
from gateway.synthetic.biometrics.patterns import FINGER_SIZE, finger_pixels
from gateway.synthetic.biometrics.rates import error_rates
from gateway.synthetic.biometrics.templates import finger_template, finger_templates_of_pixels


def test_a_capture_is_the_same_bytes_every_time() -> None:
    assert biometric_set(7, 2, Regime.EURODAC_2024) == biometric_set(7, 2, Regime.EURODAC_2024)


def test_two_captures_of_one_person_differ_but_match() -> None:
    first = biometric_set(7, 0, Regime.EURODAC_2024)
    second = biometric_set(7, 1, Regime.EURODAC_2024)
    assert first.fingerprints[0].image != second.fingerprints[0].image
    comparison = compare(templates_of(first), templates_of(second))
    assert comparison.matched
    assert comparison.fingers_compared == 10


def test_two_persons_do_not_match() -> None:
    comparison = compare(
        templates_of(biometric_set(7, 0, Regime.EURODAC_2013)),
        templates_of(biometric_set(8, 0, Regime.EURODAC_2013)),
    )
    assert not comparison.matched
    assert comparison.score < FINGER_THRESHOLD


@pytest.mark.parametrize(
    ("regime", "has_face"), [(Regime.EURODAC_2013, False), (Regime.EURODAC_2024, True)]
)
def test_a_set_has_ten_fingers_and_a_face_under_2024_1358(regime: Regime, has_face: bool) -> None:
    biometrics = biometric_set(3, 0, regime)
    assert [int(f.position) for f in biometrics.fingerprints] == list(range(1, 11))
    assert all(0 <= f.quality <= 100 for f in biometrics.fingerprints)
    assert (biometrics.face is not None) is has_face


def test_the_template_of_the_png_is_the_template_of_the_pixels() -> None:
    biometrics = biometric_set(11, 4, Regime.EURODAC_2013)
    from_png = finger_template(biometrics.fingerprints[2].image, "PNG")
    from_pixels = finger_templates_of_pixels(finger_pixels(11, (3,), 4))[0]
    assert np.array_equal(from_png, from_pixels)


def test_templates_survive_the_ansi_nist_payload() -> None:
    biometrics = biometric_set(5, 0, Regime.EURODAC_2024)
    payload = biometric_set_to_transaction(biometrics, Header(tcn="T", ori="BEIO01"))
    received = read_biometric_set(payload)
    later = templates_of(biometric_set(5, 1, Regime.EURODAC_2024))
    assert compare(templates_of(received), later).matched


def test_the_gallery_finds_the_person_and_nobody_else() -> None:
    gallery = Gallery()
    for seed in range(20):
        gallery.enrol(f"BE1{seed:04d}", templates_of(biometric_set(seed, 0, Regime.EURODAC_2024)))
    found = gallery.search(templates_of(biometric_set(13, 5, Regime.EURODAC_2024)))
    assert [candidate.key for candidate in found] == ["BE10013"]
    assert gallery.search(templates_of(biometric_set(999, 0, Regime.EURODAC_2024))) == []


def test_the_gallery_compares_faces_when_no_finger_is_common() -> None:
    gallery = Gallery()
    for seed in range(5):
        gallery.enrol(str(seed), templates_of(biometric_set(seed, 0, Regime.EURODAC_2024)))
    probe = templates_of(biometric_set(3, 1, Regime.EURODAC_2024))
    found = gallery.search(PersonTemplates(fingers={}, face=probe.face))
    assert [(c.key, c.fingers_compared) for c in found] == [("3", 0)]


def test_the_gallery_compares_only_the_fingers_both_sides_have() -> None:
    gallery = Gallery()
    full = templates_of(biometric_set(4, 0, Regime.EURODAC_2013))
    gallery.enrol("four", PersonTemplates(fingers={p: full.fingers[p] for p in (1, 2, 3)}))
    probe = templates_of(biometric_set(4, 1, Regime.EURODAC_2013))
    found = gallery.search(PersonTemplates(fingers={p: probe.fingers[p] for p in (2, 3, 9)}))
    assert [(c.key, c.fingers_compared) for c in found] == [("four", 2)]


def test_the_rates_on_a_small_population_have_no_error() -> None:
    rates = error_rates(30)
    assert (rates.finger.genuine, rates.finger.impostor) == (300, 30 * 29 * 10)
    for kind in (rates.finger, rates.ten_print, rates.face):
        assert (kind.false_matches, kind.false_non_matches) == (0, 0)
        assert kind.lowest_genuine > kind.threshold > kind.highest_impostor


def test_a_template_needs_a_synthetic_png() -> None:
    cases = [
        (b"\xff\xa0WSQ", "WSQ", "templates are made from PNG"),
        (b"not a png", "PNG", "cannot be decoded"),
        (gray_png(10, 10), "PNG", f"{FINGER_SIZE}x{FINGER_SIZE}"),
    ]
    for image, image_format, words in cases:
        with pytest.raises(InputError, match=words) as caught:
            finger_template(image, image_format, "biometrics.fingerprints[0].image")
        assert (caught.value.code, caught.value.path) == (
            "GW-BIO-IMAGE",
            "biometrics.fingerprints[0].image",
        )


def test_templates_of_different_kinds_are_not_compared() -> None:
    templates = templates_of(biometric_set(1, 0, Regime.EURODAC_2024))
    assert templates.face is not None
    with pytest.raises(InputError) as caught:
        match(templates.fingers[1], templates.face)
    assert caught.value.code == "GW-BIO-TEMPLATE"


def test_negative_seeds_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        biometric_set(-1, 0, Regime.EURODAC_2013)
    assert caught.value.code == "GW-BIO-SEED"


def test_a_capture_day_can_be_given() -> None:
    biometrics = biometric_set(1, 0, Regime.EURODAC_2013)
    later = biometric_set(
        1, 0, Regime.EURODAC_2013, captured_on=biometrics.captured_on.replace(year=2027)
    )
    assert dataclasses.replace(later, captured_on=biometrics.captured_on) == biometrics


def test_a_gallery_refuses_a_probe_of_another_kind() -> None:
    templates = templates_of(biometric_set(1, 0, Regime.EURODAC_2024))
    gallery = Gallery()
    gallery.enrol("one", templates)
    assert templates.face is not None
    with pytest.raises(InputError) as caught:
        gallery.search(PersonTemplates(fingers={1: templates.face}))
    assert caught.value.code == "GW-BIO-TEMPLATE"
