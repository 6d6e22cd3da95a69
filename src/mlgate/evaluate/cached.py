"""The sha256 of a model's cached predictions, recorded by mlgate when it writes them.

`mlgate train` (the candidate's predictions) and `mlgate evaluate` (production's, after scoring it) log the
predictions on the model's run under `mlgate/predictions/<key>.<ext>` and, in the same breath, the run tag
`mlgate.predictions.<key>.sha256` with the file's sha256. `mlgate evaluate` uses a cached file only when its
bytes have that sha256: a file changed on the run afterwards (or one no mlgate wrote) is scored again, and
the output says so. The tag lives on the same run, so someone who can write both the artifact and the tag
can forge both: docs/security.md says what this does and does not hold.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SHA_TAG_PREFIX = "mlgate.predictions."


def sha_tag(key: str) -> str:
    """The run tag holding the sha256 of the cached predictions under `key` (the evaluation data's key)."""
    return f"{SHA_TAG_PREFIX}{key}.sha256"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
