"""The synthetic persons as the national sources export them, clean or broken on purpose
(`sources`), written as files with their Printrak captures (`generate_exports`)."""

from __future__ import annotations

from gateway.synthetic.exports.files import PrintrakWriter, generate_exports, no_printrak

__all__ = ["PrintrakWriter", "generate_exports", "no_printrak"]
