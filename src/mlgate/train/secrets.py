"""The secrets a training command may see, masked in everything mlgate prints, stores or posts about it;
and the registry's variables it never sees unless `train.tracking_credentials: pass` says so.

A command may get credentials (the user's own `train.env`, what a local run inherits from the host, MLflow's
with the opt-in); a command that prints one must not get it copied into train.log, lineage.json, the MLflow
run's artifacts, the report or the fork bundle. Values shorter than `MIN_LENGTH` are left alone: they would
mask ordinary words of the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

MASK = "***"
MIN_LENGTH = 4
# A variable is secret when a word of its name ends in one of these (any case, a plural too): the
# credentials mlgate passes (MLFLOW_TRACKING_PASSWORD, MLFLOW_TRACKING_TOKEN, AWS_SECRET_ACCESS_KEY,
# AWS_SESSION_TOKEN, GITHUB_TOKEN, GH_TOKEN) and the user's train.env entries named like them (MY_API_KEY,
# DB_PASSWORD, APIKEY, ...); not PIP_KEYRING_PROVIDER.
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL")


# The variables that lead to the registry (its URI, credentials, TLS settings, Databricks' workspace, the
# URI mlgate's own option reads): a local run inherits the host's environment without them.
REGISTRY_PREFIXES = ("MLFLOW_", "DATABRICKS_")
REGISTRY_NAMES = frozenset({"MLGATE_TRACKING_URI"})
# What `tracking_credentials: pass` hands a container by name (a local run inherits them).
PASS_THROUGH = ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD",
                "MLFLOW_TRACKING_INSECURE_TLS", "MLFLOW_TRACKING_SERVER_CERT_PATH")


def throwaway_store_env(folder: Path) -> dict[str, str]:
    """MLflow's variables for a throwaway file store in folder (MLflow 3 wants the opt-in to file stores)."""
    return {"MLFLOW_TRACKING_URI": (folder / "mlruns").as_uri(), "MLFLOW_ALLOW_FILE_STORE": "true"}


def is_registry_name(name: str) -> bool:
    return name.upper().startswith(REGISTRY_PREFIXES) or name.upper() in REGISTRY_NAMES


def without_registry(env: Mapping[str, str]) -> dict[str, str]:
    """The environment without the registry's variables (what a local run inherits by default)."""
    return {name: value for name, value in env.items() if not is_registry_name(name)}


def passed_credentials(host_env: Mapping[str, str]) -> dict[str, str]:
    """The registry's credentials of the host environment, for `tracking_credentials: pass`."""
    return {name: host_env[name] for name in PASS_THROUGH if name in host_env}


_URL_USER = re.compile(r"//([^/@\s]+)@")


def is_secret_name(name: str) -> bool:
    words = re.split(r"[^A-Z0-9]+", name.upper())
    return any(word.removesuffix("S").endswith(SECRET_WORDS) for word in words if word)


def secret_values(*environments: Mapping[str, str]) -> list[str]:
    """The values of the secret-named variables of these environments (`Masker` drops the short ones)."""
    named = [value for env in environments for name, value in env.items() if is_secret_name(name)]
    # the user:password of a URL in any variable (MLFLOW_TRACKING_URI=https://bot:pw@host)
    in_urls = [m.group(1) for env in environments for value in env.values()
               for m in _URL_USER.finditer(value)]
    return named + in_urls


class Masker:
    """Replaces each secret value with `***`, in text and in a byte stream cut anywhere."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        # a multi-line value (a PEM key) is masked whole and line by line, as a log may wrap or quote it
        wanted = {part for value in values for part in (value, *value.splitlines())}
        unique = sorted({v for v in wanted if len(v.strip()) >= MIN_LENGTH}, key=len, reverse=True)
        self._text = re.compile("|".join(map(re.escape, unique))) if unique else None
        self._raw = [v.encode("utf-8") for v in unique]
        self._bytes = re.compile(b"|".join(map(re.escape, self._raw))) if unique else None

    def __repr__(self) -> str:  # never the values
        return f"Masker({len(self._raw)} values)"

    def __bool__(self) -> bool:
        return bool(self._raw)

    def text(self, text: str) -> str:
        return self._text.sub(MASK, text) if self._text else text

    def lines(self, lines: Iterable[str]) -> list[str]:
        return [self.text(line) for line in lines]

    def stream(self) -> StreamMasker:
        """A masker for one byte stream read in chunks (a secret may be cut between two of them)."""
        return StreamMasker(self._bytes, self._raw)


class StreamMasker:
    """Masks a byte stream chunk by chunk as `Masker.text` masks the whole: the end of a chunk that may
    begin a secret is held back until the next chunk (or `flush`) tells."""

    def __init__(self, pattern: re.Pattern[bytes] | None, values: list[bytes]) -> None:
        self._pattern = pattern
        self._values = values
        self._held = b""

    def feed(self, chunk: bytes) -> bytes:
        if self._pattern is None:
            return chunk
        data = self._held + chunk
        safe = len(data) - self._partial(data)  # from here on, a secret may go on in the next chunk
        parts, end = [], 0
        for match in self._pattern.finditer(data):
            if match.start() >= safe:
                break
            parts += [data[end:match.start()], MASK.encode()]
            end = match.end()
        cut = max(safe, end)
        parts.append(data[end:cut])
        self._held = data[cut:]
        return b"".join(parts)

    def flush(self) -> bytes:
        held, self._held = self._held, b""
        return self._pattern.sub(MASK.encode(), held) if self._pattern else held

    def _partial(self, data: bytes) -> int:
        """The length of the longest end of data that is the beginning of a secret (0 when none)."""
        longest = 0
        for value in self._values:
            start = max(len(data) - len(value) + 1, 0)
            while (at := data.find(value[:1], start)) != -1:
                if value.startswith(data[at:]):
                    longest = max(longest, len(data) - at)
                    break
                start = at + 1
        return longest
