"""A problem found while mapping a source record: code, sentence, canonical path, source field."""

from __future__ import annotations

from typing import Any

from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem

__all__ = ["FieldProblem", "ItemsError", "TransformError"]


@frozen
class FieldProblem:
    """What is wrong, where in the canonical record, and which source field it came from."""

    code: str
    message: str
    path: str = ""
    source: str | None = None

    def as_problem(self) -> Problem:
        """The domain problem (the source field goes into the sentence)."""
        where = f" (source field {self.source!r})" if self.source else ""
        return Problem(code=self.code, message=f"{self.message}{where}", path=self.path)

    def __str__(self) -> str:
        where = [f"at {self.path}"] if self.path else []
        if self.source:
            where.append(f"from source field {self.source!r}")
        return f"{self.code}: {self.message}" + (f" ({', '.join(where)})" if where else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "source": self.source,
        }


class TransformError(ValueError):
    """A transform could not turn a source value into a canonical one.

    `suffix` locates the value inside the target (`[2]` for the third item of a list).
    """

    def __init__(self, code: str, message: str, suffix: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.suffix = suffix


class ItemsError(ValueError):
    """Several items of a list could not be converted; each error carries its `[i]` suffix."""

    def __init__(self, errors: list[TransformError]) -> None:
        super().__init__(f"{len(errors)} item(s) could not be converted")
        self.errors = errors
