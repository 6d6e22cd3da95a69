"""The variables a training job gets (train/execute.py): from the host environment it is given, never os.environ."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.train.execute import job_env


def test_mlflow_credentials_pass_through_from_the_host_env_given(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "from-the-process")
    host = {"MLFLOW_TRACKING_TOKEN": "t0ken", "HOME": "/home/me", "MLFLOW_TRACKING_USERNAME": "me"}
    env = job_env(seed=3, params_path=None, metrics_path=tmp_path / "m.json", model_path=tmp_path / "model",
                  out=tmp_path, tracking_uri="http://127.0.0.1:5000", run_id="r", experiment_id="1",
                  user_env={"MLFLOW_TRACKING_USERNAME": "bot"}, host_env=host)
    assert env["MLFLOW_TRACKING_TOKEN"] == "t0ken"
    assert env["MLFLOW_TRACKING_USERNAME"] == "bot"  # train.env wins
    assert "MLFLOW_TRACKING_PASSWORD" not in env and "HOME" not in env  # only the named credentials
    assert (env["MLGATE_SEED"], env["MLFLOW_RUN_ID"], env["MLGATE_METRICS"]) == ("3", "r", str(tmp_path / "m.json"))
