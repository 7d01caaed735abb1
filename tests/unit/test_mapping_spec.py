"""A bad specification is refused at load time, with its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gateway.errors import ConfigError
from gateway.mapping import load_mapping

HEADER = "source: test\nformat: json\nfields:\n"

MAPPINGS = Path(__file__).parents[2] / "mappings"


def write(tmp_path: Path, body: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    assert caught.value.code == "GW-MAP-SPEC"
    return caught.value


def line_of(error: ConfigError) -> tuple[str, int]:
    file, _, line = error.path.rpartition(":")
    return file, int(line)


@pytest.mark.parametrize(
    ("rules", "line", "message"),
    [
        ("  - to: person.date_of_birth\n    from: x\n", 4, "Person has no field 'date_of_birth'"),
        ("  - to: person.sex\n    from: x\n    colour: red\n", 6, "no key 'colour'"),
        ("  - to: person.birth_date\n    from: x\n    date: dd/mm\n", 6, "needs yyyy"),
        ("  - to: person.sex\n    from: x\n    date: yyyy\n", 6, "does not hold a date"),
        ("  - to: transaction.operation\n    const: fly\n", 5, "not a valid value"),
        ("  - to: person.sex\n    from: x\n    default: Q\n", 6, "not a valid value"),
        ("  - to: person.sex\n    from: x\n    const: M\n", 4, "exactly one of"),
        ("  - to: person.sex\n    from: x\n    when: {field: y, bigger: 3}\n", 6, "no test"),
        ("  - to: person.sex\n    from: x\n    split: ','\n", 6, "is not a list"),
        ("  - to: person.name\n    name: {famly: x}\n", 5, "maps family"),
        ("  - to: person.sex\n    from: x\n  - to: person.sex\n    from: y\n", 6, "line 4"),
        ("  - to: person.sex\n    from: x\n    from: y\n", 6, "given twice"),
        ("  - to: person.sex\n    from: [x\n", 6, "not valid YAML"),
    ],
)
def test_bad_rules_are_refused_with_file_and_line(
    tmp_path: Path, rules: str, line: int, message: str
) -> None:
    path = write(tmp_path, HEADER + rules)
    error = refused(path)
    assert line_of(error) == (str(path), line)
    assert message in error.message


def test_a_bad_format_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "source: test\nformat: xml\nfields: []\n")
    assert line_of(refused(path)) == (str(path), 2)


def test_a_missing_code_list_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "  - to: person.sex\n    from: x\n    codelist: nope\n")
    error = refused(path)
    assert error.path.startswith(str(tmp_path / "codelists" / "nope.yaml"))


def test_a_code_list_value_the_model_refuses_points_at_the_code_list(tmp_path: Path) -> None:
    (tmp_path / "codelists").mkdir()
    code_list = write(tmp_path, "values:\n  M: M\n  V: Z\n", "codelists/sex.yaml")
    path = write(tmp_path, HEADER + "  - to: person.sex\n    from: x\n    codelist: sex\n")
    error = refused(path)
    assert line_of(error) == (str(code_list), 3)
    assert "'Z' is not a valid value for person.sex" in error.message


def test_yaml_booleans_do_not_eat_country_codes(tmp_path: Path) -> None:
    (tmp_path / "codelists").mkdir()
    write(tmp_path, "values:\n  NO: NOR\n  ON: XXX\n", "codelists/country.yaml")
    path = write(
        tmp_path, HEADER + "  - to: person.nationalities\n    from: n\n    codelist: country\n"
    )
    tree, problems = load_mapping(path).tree({"n": ["no", "ON"]})
    assert problems == []
    assert tree == {"person": {"nationalities": ["NOR", "XXX"]}}


def test_the_shipped_specifications_load() -> None:
    for spec in sorted(MAPPINGS.glob("*.yaml")):
        mapping = load_mapping(spec)
        assert mapping.steps, spec


@pytest.mark.parametrize(
    ("layout", "line", "message"),
    [
        ("fixed:\n  columns:\n    A: [1, 5]\n    B: [5, 9]\n", 6, "'B' overlaps 'A'"),
        ("fixed:\n  columns:\n    A: [3, 1]\n", 5, "1 <= first <= last"),
        ("fixed: {}\n", 3, "needs 'columns'"),
    ],
)
def test_a_bad_fixed_width_layout_is_refused(
    tmp_path: Path, layout: str, line: int, message: str
) -> None:
    path = write(
        tmp_path, f"source: t\nformat: fixed\n{layout}fields:\n  - to: person.sex\n    from: A\n"
    )
    error = refused(path)
    assert line_of(error) == (str(path), line)
    assert message in error.message


def test_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "source: t\nformat: csv\nencoding: klingon\n"
        + "fields:\n  - to: person.sex\n    from: A\n",
    )
    error = refused(path)
    assert line_of(error) == (str(path), 3)
