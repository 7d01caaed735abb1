"""A problem found in a record: a stable code, a sentence and the field path.

Rules return problems instead of raising, so that a bad record reports every
problem at once. The outer layers wrap them in an `InputError`.
"""

from __future__ import annotations

from gateway.domain.frozen import frozen

__all__ = ["Problem", "at"]


@frozen
class Problem:
    """One thing wrong with an input, and where."""

    code: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"{self.code}: {self.message}{where}"


def at(prefix: str, problems: list[Problem]) -> list[Problem]:
    """The same problems, with `prefix` put in front of their paths."""
    return [Problem(code=p.code, message=p.message, path=_join(prefix, p.path)) for p in problems]


def _join(prefix: str, path: str) -> str:
    if not prefix or not path:
        return prefix or path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"
