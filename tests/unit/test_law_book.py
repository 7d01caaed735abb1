"""docs/law.md is the law's tables written out: it cannot drift from them."""

from __future__ import annotations

from pathlib import Path

from gateway.domain.eurodac_law import ACTIONS, CATEGORIES
from gateway.domain.law_book import render

BOOK = Path(__file__).parents[2] / "docs" / "law.md"


def test_the_rule_book_is_the_tables_written_out() -> None:
    """Regenerate with `.venv/bin/python -m gateway.domain.law_book > docs/law.md`."""
    assert BOOK.read_text(encoding="utf-8") == render()


def test_every_row_of_the_tables_is_in_the_rule_book_with_its_article() -> None:
    text = render()
    for rules in CATEGORIES.values():
        for rule in rules.values():
            assert rule.article in text
            if rule.retention is not None:
                assert rule.retention.article in text
            if rule.time_limit is not None:
                assert rule.time_limit.article in text
    for actions in ACTIONS.values():
        for action in actions:
            assert f"| {action.operation.value} | {action.reason} |" in text
            assert action.example in text


def test_the_doubt_rule_example_is_the_issue_s_case() -> None:
    """2024/1358 Art 14(1): born "2020", data taken on 15 September 2026: refused."""
    assert 'born "2020", data taken on 15 September 2026: refused' in render()
