"""Exactly one promotion under races: any number of `mlgate promote` processes at once against one registry
(the embedded SQLite store, a real `mlflow server`) → one moves @production and writes the audit tags, the
others exit 1 naming its version; a lease left by a crashed promote is taken over once it has expired.

`test_a_promote_run_inside_anothers_window_*` stages the race deterministically: a real second `mlgate promote`
process runs to its end while the first is between reading @production and moving it (the window every
concurrent pair can hit). Without the lease both exit 0, both versions carry the audit tags and
@previous-production is wrong; with it the second exits 1 naming the first's version. The natural races
start N real processes that wait for one shared instant (tests/support/promote_race.py); under this
machine's load they rarely overlap in that window, so they hold the property rather than prove the need."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from mlgate.commands.lease import CREATED, EXPIRES, HOLDER, NONCE, VERSION, lease_name
from tests.conftest import MlflowStore
from tests.support.promote_race import Outcome, client, prepare, project, race, state
from tests.support.train_project import invoke

TRIALS, PROMOTES = 2, 3


def check_one_winner(uri: str, outcomes: list[Outcome], versions: list[str]) -> None:
    winners = [o for o in outcomes if o.code == 0]
    for outcome in outcomes:  # whole, in the captured stdout of a failure (the assertion's text is cut short)
        print(f"--- promote --version {outcome.version}: exit {outcome.code}\n{outcome.output}")
    assert len(winners) == 1, [(o.version, o.code, o.output[-400:]) for o in outcomes]
    winner = winners[0].version
    for loser in (o for o in outcomes if o.code != 0):
        assert loser.code == 1, loser.output
        # names the winner's version; or, refused at the lease, the racer that held it then (which may have
        # lost afterwards itself: @production moved under it)
        holder = re.search(r"moving \S+ to version (\d+) right now", loser.output)
        named = holder.group(1) if holder else winner
        assert named in versions and f"version {named}" in loser.output, loser.output
    aliases, tags = state(uri, versions)
    assert aliases["production"] == winner
    assert aliases["previous-production"] == "1"
    assert tags[winner]["mlgate.promoted_by"] == f"racer-{winner}"
    assert tags[winner]["mlgate.promoted_previous_version"] == "1"
    assert all(not tags[v] for v in versions if v != winner), tags  # audit tags only on the winner
    assert client(uri).search_registered_models(f"name LIKE '{lease_name('churn')}%'") == []  # released


def test_concurrent_promotes_on_the_sqlite_store_have_one_winner(mlflow_store: MlflowStore,
                                                                 tmp_path: Path) -> None:
    for trial in range(TRIALS):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        db = folder / "mlflow.db"
        db.write_bytes(mlflow_store.db.read_bytes())
        uri = f"sqlite:///{db}"
        versions = prepare(uri, PROMOTES)
        check_one_winner(uri, race(uri, folder, versions), versions)


def test_concurrent_promotes_against_a_tracking_server_have_one_winner(mlflow_server_url: str,
                                                                       tmp_path: Path) -> None:
    uri = mlflow_server_url
    for trial in range(TRIALS):
        mlflow = client(uri)
        if mlflow.search_registered_models("name = 'churn'"):
            mlflow.delete_registered_model("churn")
        versions = prepare(uri, PROMOTES)
        check_one_winner(uri, race(uri, tmp_path / f"trial-{trial}", versions), versions)


@pytest.fixture(params=["sqlite", "server"])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The embedded SQLite store, or a real `mlflow server` (the session's), with no model churn yet."""
    if request.param == "sqlite":
        store: MlflowStore = request.getfixturevalue("mlflow_store")
        return store.uri
    uri: str = request.getfixturevalue("mlflow_server_url")
    mlflow = client(uri)
    for name in ("churn", lease_name("churn")):
        if mlflow.search_registered_models(f"name = '{name}'"):
            mlflow.delete_registered_model(name)
    return uri


def test_a_promote_run_inside_anothers_window_loses(store_uri: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from mlgate.registry import Registry

    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_uri)
    monkeypatch.setenv("GITHUB_ACTOR", "first")
    first, second = prepare(store_uri, 2)
    seen: list[Outcome] = []
    real = Registry.set_alias

    def other_promote_meanwhile(self: Registry, name: str, alias: str, version: str) -> None:
        if not seen:  # this promote has read @production (version 1); another one runs now, to its end
            seen.extend(race(store_uri, tmp_path / "other", [second], lead=0.0))
        real(self, name, alias, version)

    monkeypatch.setattr(Registry, "set_alias", other_promote_meanwhile)
    result = invoke(project(tmp_path / "p"), "promote", "--version", first)
    assert result.exit_code == 0, result.output
    assert seen[0].code == 1, seen[0].output
    assert f"another mlgate promote is moving churn@production to version {first}" in seen[0].output
    aliases, tags = state(store_uri, [first, second])
    assert aliases == {"production": first, "previous-production": "1"}
    assert tags[first]["mlgate.promoted_by"] == "first" and not tags[second]


def _lease(uri: str, version: str, expires_in: float, holder: str = "crashed-job") -> None:
    now = time.time()
    client(uri).create_registered_model(lease_name("churn"), tags={
        VERSION: version, HOLDER: holder, NONCE: "0123abcd", CREATED: f"{now - 700:.3f}",
        EXPIRES: f"{now + expires_in:.3f}"})


def test_a_live_lease_makes_promote_exit_1_naming_the_version_it_promotes(mlflow_store: MlflowStore,
                                                                         tmp_path: Path) -> None:
    versions = prepare(mlflow_store.uri, 2)
    _lease(mlflow_store.uri, versions[0], expires_in=300, holder="octocat")
    result = invoke(project(tmp_path / "p"), "promote", "--version", versions[1])
    assert result.exit_code == 1, result.output
    assert f"another mlgate promote is moving churn@production to version {versions[0]}" in result.output
    assert "octocat" in result.output and "expires at" in result.output
    aliases, tags = state(mlflow_store.uri, versions)
    assert aliases == {"production": "1"} and not tags[versions[1]]
    assert client(mlflow_store.uri).get_registered_model(lease_name("churn"))  # not its to delete


def test_a_lease_whose_tags_are_not_visible_yet_is_held_not_taken_over(mlflow_store: MlflowStore,
                                                                     tmp_path: Path) -> None:
    """Another promote created the lease an instant ago and its tags are not written yet (seen in the concurrent
    race on SQLite): this promote loses; it never takes the tagless lease for an expired one."""
    versions = prepare(mlflow_store.uri, 2)
    client(mlflow_store.uri).create_registered_model(lease_name("churn"))  # no tags (yet)
    result = invoke(project(tmp_path / "p"), "promote", "--version", versions[1])
    assert result.exit_code == 1, result.output
    assert "another mlgate promote is moving churn@production" in result.output
    aliases, _ = state(mlflow_store.uri, versions)
    assert aliases == {"production": "1"}
    names = [m.name for m in client(mlflow_store.uri).search_registered_models("name LIKE 'mlgate-lease%'")]
    assert names == [lease_name("churn")]  # no takeover marker


def test_an_expired_lease_is_taken_over(mlflow_store: MlflowStore, tmp_path: Path) -> None:
    versions = prepare(mlflow_store.uri, 2)
    _lease(mlflow_store.uri, versions[0], expires_in=-5)  # a promote crashed holding it
    result = invoke(project(tmp_path / "p"), "promote", "--version", versions[1])
    assert result.exit_code == 0, result.output
    aliases, tags = state(mlflow_store.uri, versions)
    assert aliases == {"production": versions[1], "previous-production": "1"}
    assert tags[versions[1]]["mlgate.promoted_previous_version"] == "1"
    names = [m.name for m in client(mlflow_store.uri).search_registered_models("name LIKE 'mlgate-lease%'")]
    assert names == [f"{lease_name('churn')}-takeover-0123abcd"]  # the lease released, the takeover kept


def test_a_takeover_in_progress_is_left_alone_and_a_crashed_one_finished(
        mlflow_store: MlflowStore, tmp_path: Path) -> None:
    """The takeover is exclusive too: a process that finds a fresh takeover marker of the expired lease does
    not delete the lease (another is doing it); one left by a crashed takeover (a minute old) is finished."""
    versions = prepare(mlflow_store.uri, 2)
    _lease(mlflow_store.uri, versions[0], expires_in=-5)
    marker = f"{lease_name('churn')}-takeover-0123abcd"
    client(mlflow_store.uri).create_registered_model(marker, tags={CREATED: f"{time.time():.3f}"})
    result = invoke(project(tmp_path / "p"), "promote", "--version", versions[1])
    assert result.exit_code == 3, result.output  # it retried and gave up, moving nothing
    assert "could not take the promotion lease" in result.output
    assert state(mlflow_store.uri, versions)[0] == {"production": "1"}

    client(mlflow_store.uri).set_registered_model_tag(marker, CREATED, f"{time.time() - 120:.3f}")
    result = invoke(project(tmp_path / "p"), "promote", "--version", versions[1])
    assert result.exit_code == 0, result.output
    assert state(mlflow_store.uri, versions)[0]["production"] == versions[1]


def test_promote_stops_when_its_lease_is_about_to_expire(mlflow_store: MlflowStore, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from mlgate.commands import lease

    versions = prepare(mlflow_store.uri, 1)
    monkeypatch.setattr(lease, "LEASE_SECONDS", lease.MARGIN_SECONDS)  # no time left once taken
    result = invoke(project(tmp_path / "p"), "promote", "--version", versions[0])
    assert result.exit_code == 3, result.output
    assert "lease of churn is about to expire" in result.output
    assert state(mlflow_store.uri, versions)[0] == {"production": "1"}
