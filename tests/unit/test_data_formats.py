"""The background reader: same chunks in order, errors re-raised, early stop does not hang."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pandas as pd
import pytest

from mlgate.data.formats import prefetch
from mlgate.errors import BadInput


def frames(count: int, fail_at: int | None = None) -> Iterator[pd.DataFrame]:
    for number in range(count):
        if number == fail_at:
            raise BadInput("broken chunk", "why", "fix")
        yield pd.DataFrame({"n": [number]})


def test_prefetch_keeps_order() -> None:
    assert [int(f["n"].iloc[0]) for f in prefetch(frames(7))] == list(range(7))


def test_prefetch_reraises_the_reader_error() -> None:
    seen = []
    with pytest.raises(BadInput, match="broken chunk"):
        for frame in prefetch(frames(5, fail_at=3)):
            seen.append(int(frame["n"].iloc[0]))
    assert seen == [0, 1, 2]


def test_prefetch_stops_when_the_consumer_stops() -> None:
    before = threading.active_count()
    reader = prefetch(frames(1000))
    next(reader)
    reader.close()
    assert threading.active_count() == before
