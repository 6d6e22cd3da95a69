"""No MLflow client without the resolved tracking URI, and no artifact read through `runs:/` (issue 21 item 5):
MLflow 3 resolves `runs:/<run>/<name>` to the run's logged model of that name too, with a client built
without the tracking URI (an empty mlflow.db in the working directory). A static check of mlgate's sources;
the behaviour is held by tests/integration/test_mlflow3_logged_model.py."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "mlgate"


def sources() -> dict[str, str]:
    return {str(p.relative_to(SRC)): p.read_text() for p in SRC.rglob("*.py")}


def test_every_mlflow_client_gets_the_tracking_uri() -> None:
    for name, text in sources().items():
        for call in re.findall(r"MlflowClient\((.*?)\)", text):
            if "MlflowClient()." in text and name == "commands/compare.py":
                continue  # a fix text naming MLflow's API for the user, not a call
            assert "tracking_uri=" in call, f"{name}: MlflowClient({call})"


def test_no_artifact_is_read_through_runs_uris() -> None:
    for name, text in sources().items():
        assert "_client.download_artifacts(" not in text, name
        assert "_client.list_artifacts(" not in text, name
        assert "mlflow.artifacts." not in text, name


def test_no_fluent_api_call_uses_the_default_store() -> None:
    fluent = re.compile(r"\bmlflow\.(start_run|log_\w+|set_tracking_uri|search_\w+|get_run|register_model|"
                        r"set_tag|end_run|autolog|pyfunc|sklearn)\b")
    for name, text in sources().items():
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert not fluent.search(code), f"{name}: {fluent.search(code)}"
