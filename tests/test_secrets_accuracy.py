"""Secret detection scored on the labelled corpus (fixtures/secrets-corpus): every true secret found, no hard
negative reported, per file kind. The figures in docs/secrets.md come from the same scorer."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import FIXTURES

_spec = importlib.util.spec_from_file_location("secrets_accuracy", FIXTURES.parent / "benchmarks" / "secrets_accuracy.py")
accuracy = importlib.util.module_from_spec(_spec)
sys.modules["secrets_accuracy"] = accuracy  # dataclasses look their module up while the class is made
_spec.loader.exec_module(accuracy)

SCORES = accuracy.score()
KINDS = ("dag", "python", "terraform", "tfvars", "connections", "plan", "state")


def test_every_file_kind_of_the_corpus_is_scored():
    assert set(KINDS) <= set(SCORES)
    assert all(SCORES[k].true_positives + SCORES[k].false_negatives >= 2 for k in KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_labelled_secret_is_found(kind):
    assert SCORES[kind].missed == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_negative_is_reported(kind):
    assert SCORES[kind].wrong == []
