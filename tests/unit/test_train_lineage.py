"""lineage.json building and the MLflow tags made from it."""

from __future__ import annotations

from mlgate.documents import Ci, CodePin, Configuration, DataPin, DataVersion, EnvironmentPin, Lineage
from mlgate.train import lineage

CODE = CodePin(commit="c" * 40, dirty=False, diff_sha256=None)


def env(runtime: str = "podman", pinned: bool = True) -> EnvironmentPin:
    return lineage.environment_pin(runtime=runtime, image="img@sha256:" + "a" * 64,
                                   image_digest="sha256:" + "a" * 64, pinned=pinned, lockfile="req.lock",
                                   lockfile_sha256="b" * 64, python_version="3.11.4")


def pin(path: str) -> DataPin:
    return DataPin(path=path, version=DataVersion(kind="sha256", value="f" * 64), bytes=10, rows=None,
                   source="computed")


def doc(code: CodePin = CODE, environment: EnvironmentPin | None = None) -> Lineage:
    configuration = Configuration(command="python train.py", metrics_file="metrics.json", params_file="p.yaml",
                                  params_sha256="e" * 64, params={"lr": 0.1}, seed=3, env=[])
    return lineage.build(code=code, data=[pin("d.csv")], environment=environment or env(),
                         configuration=configuration)


def test_pinned_clean_run_is_reproducible() -> None:
    document = doc()
    assert document.reproducible is True
    assert document.not_reproducible_because == []
    assert (document.status, document.run_id, document.ci.pr) == ("running", None, None)


def test_each_missing_pin_is_named() -> None:
    assert "not pinned by digest" in doc(environment=env(pinned=False)).not_reproducible_because[0]
    assert "runtime local" in doc(environment=env(runtime="local", pinned=False)).not_reproducible_because[0]
    dirty = doc(code=CodePin(commit="c" * 40, dirty=True, diff_sha256="9" * 64))
    assert dirty.reproducible is False
    assert dirty.not_reproducible_because == ["the work tree had uncommitted changes"]
    nogit = doc(code=CodePin(commit=None, dirty=None, diff_sha256=None))
    assert "not in a git repository" in nogit.not_reproducible_because[0]


def test_the_dirty_reason_names_the_first_changed_paths() -> None:
    code = CodePin(commit="c" * 40, dirty=True, diff_sha256="9" * 64)
    reasons = lineage.not_reproducible_because
    assert reasons(code, env(), ["a.py"]) == ["the work tree had uncommitted changes: a.py"]
    assert reasons(code, env(), ["a.py", "b.py", "c.py"]) == [
        "the work tree had uncommitted changes: a.py, b.py, c.py"]
    assert reasons(code, env(), ["a.py", "b.py", "c.py", "d.py", "e.py"]) == [
        "the work tree had uncommitted changes: a.py, b.py, c.py and 2 more"]


def test_run_tags_carry_the_four_pins_as_text() -> None:
    document = doc()
    document.ci = Ci(pr=12, head_sha=None, run_url="https://github.com/o/r/actions/runs/1")
    tags = lineage.run_tags(document)
    assert tags["mlgate.commit"] == "c" * 40
    assert tags["mlflow.source.git.commit"] == "c" * 40
    assert tags["mlgate.code.dirty"] == "false"
    assert tags["mlgate.image_digest"] == "sha256:" + "a" * 64
    assert tags["mlgate.environment.pinned"] == "true"
    assert tags["mlgate.python_version"] == "3.11.4"
    assert tags["mlgate.lockfile_sha256"] == "b" * 64
    assert tags["mlgate.params_sha256"] == "e" * 64
    assert tags["mlgate.seed"] == "3"
    assert tags["mlgate.data"] == '[{"kind":"sha256","path":"d.csv","value":"' + "f" * 64 + '"}]'
    assert tags["mlgate.pr"] == "12"
    assert tags["mlgate.reproducible"] == "true"
    assert "mlgate.code.diff_sha256" not in tags  # None values are left out
    assert "mlgate.head_sha" not in tags


def test_version_tags_are_a_subset() -> None:
    document = doc()
    document.ci = Ci(pr=5, head_sha="h" * 40, run_url=None)
    tags = lineage.version_tags(document)
    assert tags == {"mlgate.commit": "c" * 40, "mlgate.head_sha": "h" * 40, "mlgate.pr": "5",
                    "mlgate.reproducible": "true", "mlgate.image_digest": "sha256:" + "a" * 64}


def test_long_tag_values_are_cut_to_the_limit() -> None:
    document = doc()
    document.data = [pin(f"data/{i:05}.csv") for i in range(200)]
    value = lineage.run_tags(document)["mlgate.data"]
    assert len(value) == lineage.TAG_LIMIT
    assert value.endswith("…")
