"""Byte-for-byte comparison of two sets of model files (relpath → sha256)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileDiff:
    changed: list[str]
    missing: list[str]
    extra: list[str]

    @property
    def identical(self) -> bool:
        return not (self.changed or self.missing or self.extra)

    def lines(self) -> list[str]:
        return ([f"differs: {p}" for p in self.changed] + [f"missing now: {p}" for p in self.missing]
                + [f"new file: {p}" for p in self.extra])


def diff_files(recorded: dict[str, str], now: dict[str, str]) -> FileDiff:
    return FileDiff(
        changed=sorted(p for p in recorded.keys() & now.keys() if recorded[p] != now[p]),
        missing=sorted(recorded.keys() - now.keys()),
        extra=sorted(now.keys() - recorded.keys()),
    )
