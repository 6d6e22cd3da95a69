"""PR code never holds the registry: a hostile training command against a real basic-auth `mlflow server`.

The training command (runtime local, as in most CI set-ups) tries what a PR author wanting a green check would:
read the registry's password from its environment, and set a tag on production's run, both through the
MLFLOW_TRACKING_URI it is given and through the server's real URL (it is in the workflow file). By default it
gets a throwaway store and no credentials, so both fail; what it logged to MLflow (a metric, a param) is still
on mlgate's run, logged by mlgate. With `train.tracking_credentials: pass` the same command succeeds, and
lineage.json and the report say it was passed. `tracking_credentials` is one of the gate's rules: a pull request
that sets `pass` where its base's mlgate.yaml does not trains without them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MlflowStore
from tests.support.mlflow_server import BasicAuth, basic_auth, basic_auth_missing, mlflow_server
from tests.support.podman import BusyboxImage, busybox_image, needs_podman  # noqa: F401
from tests.support.train_project import git, lineage, make_project

PASSWORD = "pw-Sandbox.Auth*77e1"

needs_basic_auth = pytest.mark.skipif(basic_auth_missing() is not None, reason=basic_auth_missing() or "")

HOSTILE_PY = """\
import json, os, sys
import mlflow
from mlflow import MlflowClient

target, real_url = sys.argv[1], sys.argv[2]
found = {"seen": sorted(k for k in os.environ if k.startswith(("MLFLOW_", "MLGATE_TRACKING"))),
         "password": os.environ.get("MLFLOW_TRACKING_PASSWORD"), "uri": os.environ.get("MLFLOW_TRACKING_URI")}
for name, uri in (("given", os.environ.get("MLFLOW_TRACKING_URI")), ("real", real_url)):
    try:
        MlflowClient(uri).set_tag(target, "hacked_through_" + name, "yes")
        found[name] = "tagged"
    except Exception as exc:
        found[name] = type(exc).__name__
with mlflow.start_run():  # resumes the run mlgate made for it (MLFLOW_RUN_ID)
    mlflow.log_metric("from_script", 0.25)
    mlflow.log_param("script_param", "kept")
with open(os.path.join(os.environ["MLGATE_OUT"], "attack.json"), "w") as handle:
    json.dump(found, handle)
"""


@pytest.fixture(scope="module")
def server(_mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BasicAuth]]:
    folder = tmp_path_factory.mktemp("mlflow-sandbox")
    auth = basic_auth(folder, password=PASSWORD)
    with mlflow_server(_mlflow_template, folder, auth=auth) as url:
        yield url, auth


def environment(url: str) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_"))}
    return {**env, "MLFLOW_TRACKING_URI": url, "MLFLOW_TRACKING_USERNAME": "admin",
            "MLFLOW_TRACKING_PASSWORD": PASSWORD,
            "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def production_run(url: str) -> str:
    """A run standing for production's, made with the admin's credentials."""
    from mlflow import MlflowClient

    old = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    os.environ.update({"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": PASSWORD})
    try:
        client = MlflowClient(url)
        experiment = client.get_experiment_by_name("production") or None
        experiment_id = experiment.experiment_id if experiment else client.create_experiment("production")
        return str(client.create_run(experiment_id).info.run_id)
    finally:
        for key, value in old.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def run_data(url: str, run_id: str) -> tuple[dict[str, str], dict[str, float], dict[str, str]]:
    """(tags, metrics, params) of a run, read with the admin's credentials."""
    code = ("import json, sys; from mlflow import MlflowClient; d = MlflowClient(sys.argv[1]).get_run(sys.argv[2]).data; "
            "print(json.dumps([d.tags, d.metrics, d.params]))")
    done = subprocess.run([sys.executable, "-c", code, url, run_id], env=environment(url), capture_output=True,
                          text=True, timeout=120, check=True)
    tags, metrics, params = json.loads(done.stdout)
    return tags, metrics, params


def train(repo: Path, url: str, target: str, credentials: str | None, *,
          base_credentials: str | None = None) -> subprocess.CompletedProcess[str]:
    """`mlgate train` of a hostile training command; with `base_credentials`, as a pull request whose base
    commit's mlgate.yaml says that (`--rules-from` the base)."""
    settings = {"command": f"{sys.executable} hostile.py {target} {url} && sh train.sh"}
    rules: list[str] = []
    if base_credentials:
        make_project(repo, train={**settings, "tracking_credentials": base_credentials})
        rules = ["--rules-from", git(repo, "rev-parse", "HEAD").strip()]
    if credentials:
        settings["tracking_credentials"] = credentials
    config = make_project(repo, train=settings, commit=False)
    (repo / "hostile.py").write_text(HOSTILE_PY)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a hostile training")
    return subprocess.run([sys.executable, "-m", "mlgate", "--config", str(config), "train", "--runtime", "local",
                           *rules, "--out", str(repo / ".mlgate")], env=environment(url), cwd=repo,
                          capture_output=True, text=True, timeout=300, check=False)


@needs_basic_auth
def test_by_default_the_training_cannot_reach_the_registry(git_repo: Path, server: tuple[str, BasicAuth]) -> None:
    url, _ = server
    target = production_run(url)
    done = train(git_repo, url, target, None)
    assert done.returncode == 0, done.stdout + done.stderr
    attack = json.loads((git_repo / ".mlgate" / "attack.json").read_text())
    assert attack["password"] is None
    assert "MLFLOW_TRACKING_PASSWORD" not in attack["seen"] and "MLFLOW_TRACKING_USERNAME" not in attack["seen"]
    assert attack["uri"].startswith("file://") and str(git_repo) not in attack["uri"]  # outside the repository
    assert attack["real"] != "tagged" and attack["given"] != "tagged"  # no such run in the throwaway store
    tags, _, _ = run_data(url, target)
    assert not [name for name in tags if name.startswith("hacked")]
    document = lineage(git_repo / ".mlgate")
    assert document["configuration"]["tracking_credentials"] == "none"
    _, metrics, params = run_data(url, document["run"]["run_id"])  # mlgate logged what the script logged
    assert metrics["from_script"] == 0.25 and params["script_param"] == "kept"
    assert metrics["accuracy"] == 0.91 and params["lr"] == "0.1"  # the metrics file and params as always
    assert not (git_repo / "mlruns").exists()  # nothing left in the repository
    assert git(git_repo, "status", "--porcelain", "--untracked-files=all", "--", ".", ":!.mlgate", ":!model",
               ":!metrics.json") == ""


@needs_basic_auth
def test_with_pass_the_training_holds_the_registry_and_lineage_says_so(git_repo: Path,
                                                                       server: tuple[str, BasicAuth]) -> None:
    url, _ = server
    target = production_run(url)
    done = train(git_repo, url, target, "pass")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tracking_credentials is pass" in done.stderr
    attack = json.loads((git_repo / ".mlgate" / "attack.json").read_text())
    assert attack["password"] == PASSWORD and attack["given"] == "tagged" and attack["real"] == "tagged"
    tags, _, _ = run_data(url, target)
    assert tags.get("hacked_through_real") == "yes"
    assert lineage(git_repo / ".mlgate")["configuration"]["tracking_credentials"] == "pass"


@needs_basic_auth
def test_a_pr_that_sets_pass_where_its_base_does_not_trains_without_the_registry(
        git_repo: Path, server: tuple[str, BasicAuth]) -> None:
    url, _ = server
    target = production_run(url)
    done = train(git_repo, url, target, "pass", base_credentials="none")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "this PR sets train.tracking_credentials: pass" in done.stderr
    attack = json.loads((git_repo / ".mlgate" / "attack.json").read_text())
    assert attack["password"] is None and attack["given"] != "tagged" and attack["real"] != "tagged"
    tags, _, _ = run_data(url, target)
    assert not [name for name in tags if name.startswith("hacked")]
    assert lineage(git_repo / ".mlgate")["configuration"]["tracking_credentials"] == "none"


@needs_basic_auth
def test_pass_holds_in_a_pr_when_its_base_says_pass_too(git_repo: Path, server: tuple[str, BasicAuth]) -> None:
    url, _ = server
    done = train(git_repo, url, production_run(url), "pass", base_credentials="pass")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "this PR sets" not in done.stderr
    assert json.loads((git_repo / ".mlgate" / "attack.json").read_text())["password"] == PASSWORD
    assert lineage(git_repo / ".mlgate")["configuration"]["tracking_credentials"] == "pass"


# --- the throwaway store is read as untrusted input; podman ------------------------------------------------

LINK_SH = """\
D="${MLFLOW_TRACKING_URI#file://}/0/$MLFLOW_RUN_ID"
mkdir -p "$D/params" "$D/metrics"
ln -s "$HOST_FILE" "$D/params/leak"
echo "1700000000000 0.5 0" > "$D/metrics/innocent"
sh train.sh
"""


def test_a_symlink_in_the_throwaway_store_is_not_followed(git_repo: Path, mlflow_store: MlflowStore,
                                                          tmp_path: Path) -> None:
    """The command links a param of its throwaway run to a host file (here a stand-in for /proc/self/environ,
    read by mlgate's own process): mlgate carries nothing from that store and says why."""
    from tests.support.train_project import invoke

    host_file = tmp_path / "host-secret.txt"
    host_file.write_text("GITHUB_TOKEN=ghs_host0secret0value")
    config = make_project(git_repo, train={"command": "sh link.sh", "env": {"HOST_FILE": str(host_file)}},
                          commit=False)
    (git_repo / "link.sh").write_text(LINK_SH)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "links")
    result = invoke(config, "train", "--runtime", "local", "--out", str(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    run = mlflow_store.client().get_run(lineage(git_repo / ".mlgate")["run"]["run_id"])
    assert "ghs_host0secret0value" not in json.dumps([run.data.params, run.data.tags])
    assert "leak" not in run.data.params and "innocent" not in run.data.metrics
    assert "not carried to the run: it holds a symbolic link (mlruns/0/" in result.output


BUSYBOX_SH = """\
sh train.sh
env > model/env.txt
D="${MLFLOW_TRACKING_URI#file://}/0/$MLFLOW_RUN_ID/metrics"
mkdir -p "$D" && echo "1700000000000 0.5 0" > "$D/from_container"
if [ -e "$REAL_DB" ]; then echo visible > model/store.txt; else echo absent > model/store.txt; fi
"""


@pytest.mark.podman
@needs_podman
@pytest.mark.parametrize("credentials", [None, "pass"])
def test_in_podman_the_container_gets_the_throwaway_store_not_the_registry(
        git_repo: Path, mlflow_store: MlflowStore, busybox_image: BusyboxImage,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, credentials: str | None) -> None:
    """The registry's password and its SQLite file are out of the container's reach by default (the store's
    folder is not mounted); the throwaway store is, and what the command logged there reaches the run."""
    from tests.support.train_project import invoke

    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "podman-secret-pw")
    settings: dict[str, object] = {"command": "sh busybox.sh", "env": {"REAL_DB": str(mlflow_store.db)}}
    if credentials:
        settings["tracking_credentials"] = credentials
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman", train=settings, commit=False)
    (git_repo / "busybox.sh").write_text(BUSYBOX_SH)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "busybox")
    result = invoke(config, "train", "--out", str(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    seen = (git_repo / "model" / "env.txt").read_text()
    document = lineage(git_repo / ".mlgate")
    run = mlflow_store.client().get_run(document["run"]["run_id"])
    if credentials is None:
        assert "podman-secret-pw" not in seen and "MLFLOW_TRACKING_URI=file:///" in seen
        assert (git_repo / "model" / "store.txt").read_text().strip() == "absent"
        assert run.data.metrics["from_container"] == 0.5
        assert document["configuration"]["tracking_credentials"] == "none"
    else:
        assert "MLFLOW_TRACKING_PASSWORD=podman-secret-pw" in seen
        assert f"MLFLOW_TRACKING_URI={mlflow_store.uri}" in seen
        assert (git_repo / "model" / "store.txt").read_text().strip() == "visible"
        assert document["configuration"]["tracking_credentials"] == "pass"
