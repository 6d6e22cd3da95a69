"""The SparkSession: the `mlgate[spark]` extra present, Java found, Spark started from `spark:` in the config.

The master: `--spark-master` (or MLGATE_SPARK_MASTER, else SPARK_MASTER: the variable you already have wins
over the file), else `spark.master` in mlgate.yaml, else none is set, so a session started by spark-submit,
Databricks or EMR keeps the master it was given, and a plain run is `local[*]`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from mlgate.config import SparkSettings
from mlgate.errors import BadInput, ServiceError

INSTALL = "pip install 'mlgate[spark]'"
APP_NAME = "mlgate validate"
# Set on a session mlgate starts, unless spark.conf in mlgate.yaml says otherwise: no progress bars in CI
# logs; a cast that fails gives null (Spark 3's way, which pandera's PySpark backend expects), not an error.
DEFAULTS = {"spark.ui.showConsoleProgress": "false"}
RUNTIME_DEFAULTS = {"spark.sql.ansi.enabled": "false"}
_SHUFFLE = "spark.sql.shuffle.partitions"


def require_spark() -> None:
    """pyspark and pandera's PySpark backend can be imported, or BadInput (exit 2) naming the extra."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise BadInput(
            "a dataset has `engine: spark`, but pyspark is not installed",
            f"{exc}; Spark datasets need the Spark extra",
            f"{INSTALL} (pyspark and what pandera's PySpark backend needs), or set `engine: pandas`",
        ) from exc
    try:
        import pandera.pyspark  # noqa: F401
    except SystemExit as exc:  # pyspark exits (0!) when Spark Connect's packages are missing in `python -c`
        raise BadInput(
            "pandera's PySpark backend cannot be imported: pyspark stopped the process while importing Spark "
            "Connect",
            "Spark Connect's packages (grpcio, grpcio-status, googleapis-common-protos, zstandard) are "
            "missing, and pyspark exits instead of raising when the main module has no file",
            f"{INSTALL}: it installs pyspark[connect]",
        ) from exc
    except ImportError as exc:
        import pandas

        why = str(exc)
        if int(pandas.__version__.split(".")[0]) >= 3:
            why = (f"pandera's PySpark backend imports pyspark.pandas, which does not work with pandas "
                   f"{pandas.__version__} ({exc})")
        raise BadInput("pandera's PySpark backend cannot be imported", why,
                       f"{INSTALL}: it installs pandas < 3 beside pyspark") from exc


def java_found() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home and Path(home, "bin", "java").is_file()) or shutil.which("java") is not None


def spark_session(settings: SparkSettings, master: str | None = None) -> Any:
    """The active SparkSession, or a new one with the master and settings of the config."""
    require_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    chosen = master or settings.master
    if active is None and not java_found():
        raise ServiceError(
            "Spark needs Java, and no `java` was found (JAVA_HOME or PATH)",
            "pyspark starts a Java process (JDK 17 or newer for Spark 4) to read and check the data",
            "install a Java runtime (Debian/Ubuntu: apt-get install default-jre-headless) or set JAVA_HOME",
        )
    builder = SparkSession.builder.appName(APP_NAME)
    if chosen:
        builder = builder.master(chosen)
    conf = {**DEFAULTS, **RUNTIME_DEFAULTS, **{key: _text(value) for key, value in settings.conf.items()}}
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master refused us: pyspark raises many kinds
        raise ServiceError(
            f"Spark could not start (master {chosen or 'from spark-submit, else local[*]'})",
            _first_line(exc),
            "check the master URL (spark.master, --spark-master or SPARK_MASTER), that the cluster is "
            "reachable, and the Java version (Spark 4 needs 17 or newer)",
        ) from exc
    for key, value in RUNTIME_DEFAULTS.items():  # an existing session keeps its static settings
        if key not in settings.conf:
            session.conf.set(key, value)
    if active is None:
        _local_shuffle(session, settings)
    return session


def _local_shuffle(session: Any, settings: SparkSettings) -> None:
    """On a local master mlgate started, as many shuffle partitions as threads, unless set anywhere.

    Spark's default is 200. mlgate's aggregations end in a few thousand groups at most, and on one
    machine each of 200 tasks is pure overhead: a profile of 1,000,000 rows takes 84 s with 200 and 11 s with
    4 on `local[2]`. A cluster keeps its own setting (spark-submit's, the cluster's or spark.conf's).
    """
    context = session.sparkContext
    configured = _SHUFFLE in settings.conf or context.getConf().contains(_SHUFFLE)
    if str(context.master).startswith("local") and not configured:
        session.conf.set(_SHUFFLE, str(max(int(context.defaultParallelism), 1)))


def _text(value: str | int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:500] if text else type(exc).__name__
