"""The variables a training job gets (train/execute.py): from the host environment it is given, never os.environ."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.train.execute import job_env


def test_by_default_the_command_gets_the_throwaway_store_and_no_credentials(tmp_path: Path) -> None:
    host = {"MLFLOW_TRACKING_TOKEN": "t0ken", "MLFLOW_TRACKING_PASSWORD": "pw", "MLFLOW_TRACKING_USERNAME": "me"}
    sandbox = {"MLFLOW_TRACKING_URI": "file:///tmp/mlgate-sandbox-x/mlruns", "MLFLOW_RUN_ID": "s"}
    env = job_env(seed=3, params_path=None, metrics_path=tmp_path / "m.json", model_path=tmp_path / "model",
                  out=tmp_path, tracking_uri="http://127.0.0.1:5000", run_id="r", experiment_id="1",
                  user_env={}, host_env=host, sandbox=sandbox)
    assert not [name for name in env if name in host]
    assert env["MLFLOW_TRACKING_URI"] == sandbox["MLFLOW_TRACKING_URI"] and env["MLFLOW_RUN_ID"] == "s"
    assert env["MLGATE_RUN_ID"] == "r"  # the real run's id: a name, not a key


def test_a_local_run_inherits_no_registry_variable_unless_passed(tmp_path: Path) -> None:
    from mlgate.train.execute import Job

    host = {"MLFLOW_TRACKING_URI": "https://bot:s3cret-pw@mlflow", "MLFLOW_TRACKING_PASSWORD": "s3cret-pw",
            "MLGATE_TRACKING_URI": "https://bot:s3cret-pw@mlflow", "DATABRICKS_TOKEN": "d", "HOME": "/home/me"}
    job = Job(runtime=None, command="true", root=tmp_path, out=tmp_path, metrics_path=tmp_path / "m",  # type: ignore[arg-type]
              model_path=tmp_path / "model", host_env=host)
    assert job.inherited == {"HOME": "/home/me"}
    assert Job(runtime=None, command="true", root=tmp_path, out=tmp_path, metrics_path=tmp_path / "m",  # type: ignore[arg-type]
               model_path=tmp_path / "model", host_env=host, pass_credentials=True).inherited == host
    assert job.masker.text("at https://bot:s3cret-pw@mlflow") == "at https://***@mlflow"  # masked in its log


def test_with_pass_mlflow_credentials_pass_through_from_the_host_env_given(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "from-the-process")
    host = {"MLFLOW_TRACKING_TOKEN": "t0ken", "HOME": "/home/me", "MLFLOW_TRACKING_USERNAME": "me"}
    env = job_env(seed=3, params_path=None, metrics_path=tmp_path / "m.json", model_path=tmp_path / "model",
                  out=tmp_path, tracking_uri="http://127.0.0.1:5000", run_id="r", experiment_id="1",
                  user_env={"MLFLOW_TRACKING_USERNAME": "bot"}, host_env=host, pass_credentials=True)
    assert env["MLFLOW_TRACKING_TOKEN"] == "t0ken"
    assert env["MLFLOW_TRACKING_USERNAME"] == "bot"  # train.env wins
    assert "MLFLOW_TRACKING_PASSWORD" not in env and "HOME" not in env  # only the named credentials
    assert (env["MLGATE_SEED"], env["MLFLOW_RUN_ID"], env["MLGATE_METRICS"]) == ("3", "r", str(tmp_path / "m.json"))
