"""Flattening metric documents and judging values (pure)."""

from __future__ import annotations

from mlgate.gate.values import as_number, describe_unusable, flatten, json_value


def test_flatten_nested() -> None:
    assert flatten({"test": {"auc": 0.9, "f1": 0.8}, "loss": 0.1}) == {"test.auc": 0.9, "test.f1": 0.8, "loss": 0.1}


def test_flatten_dvc_metrics_show_json() -> None:
    shown = {"": {"data": {"metrics.json": {"data": {"roc_auc": 0.93, "eval": {"acc": 0.9}}}}}}
    assert flatten(shown) == {"roc_auc": 0.93, "eval.acc": 0.9}


def test_as_number() -> None:
    assert as_number("0.5") == 0.5
    assert as_number(" 0.5 ") == 0.5
    assert as_number(3) == 3.0
    for bad in (None, True, "x", float("nan"), float("-inf"), "inf", "", 10**400, [1], {"a": 1}, b"1"):
        assert as_number(bad) is None


def test_describe_unusable() -> None:
    assert describe_unusable(None) == "is missing"
    assert describe_unusable(False) == "is not a number (False)"
    assert describe_unusable("n/a") == "is not a number ('n/a')"
    assert describe_unusable("nan") == "is NaN"
    assert describe_unusable(float("-inf")) == "is infinite"
    assert describe_unusable(10**400) == "is too large for a number"


def test_json_value() -> None:
    assert json_value(float("nan")) == "nan"
    assert json_value(0.5) == 0.5
