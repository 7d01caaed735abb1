"""The synthetic persons as the national sources export them, as files (`eugw sample generate`).

The `sources` functions render a person as each national source exports them,
clean or broken on purpose; `generate_exports` writes the files of N persons
(`files`). Biometrics (Printrak) plug in through the `printrak_writer` hook
(`printrak`); `printrak_samples` makes the sample files of `mappings/samples/printrak/`.
"""

from __future__ import annotations

from gateway.synthetic.exports.files import PrintrakWriter, generate_exports, no_printrak

__all__ = ["PrintrakWriter", "generate_exports", "no_printrak"]
