"""Stacked autoencoder: layer-wise pretraining lowers each layer's loss; the code classifies."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from corel_core.config import DataConfig
from corel_core.data import load_dataset
from corel_core.studies.stacked import StackedError, train_stacked


@pytest.fixture(scope="module")
def digits():
    return load_dataset(DataConfig(name="digits"))


@pytest.fixture(scope="module")
def result(digits):
    torch.set_num_threads(1)
    stages: list[tuple[str, int, int]] = []
    res = train_stacked(
        digits,
        widths=(64, 32),
        epochs_per_layer=6,
        finetune_epochs=4,
        seed=0,
        progress=lambda s, d, t: stages.append((s, d, t)),
    )
    res.stages = stages  # type: ignore[attr-defined]
    return res


def test_pretraining_lowers_every_layer_loss(result):
    assert len(result.layer_losses) == 2
    for losses in result.layer_losses:
        assert len(losses) == 7  # before training + one per epoch
        assert losses[-1] < 0.5 * losses[0]
    assert result.finetune_losses[-1] < result.finetune_losses[0]


def test_classifier_on_code_is_accurate(result):
    assert result.accuracy > 0.8
    assert 0.8 < result.accuracy_pixels <= 1.0


def test_reported_test_mse_matches_the_returned_stack(result, digits):
    x = torch.as_tensor(digits.x.reshape(len(digits.x), -1)[result.test_index])
    with torch.no_grad():
        recon = result.decoder(result.encoder(x))
    expected = float(((recon - x) ** 2).mean())
    assert result.test_mse == pytest.approx(expected, rel=1e-5)
    assert recon.shape == x.shape
    # held-out split: 25 % of the samples, no duplicates
    assert len(np.unique(result.test_index)) == math.ceil(0.25 * len(digits.x))


def test_progress_reports_each_stage(result):
    names = {s for s, _, _ in result.stages}
    assert names == {"layer 1", "layer 2", "fine-tuning", "classifier"}


def test_bad_requests_are_value_errors(digits):
    with pytest.raises(StackedError, match="widths"):
        train_stacked(digits, widths=())
    unlabeled = digits.__class__(x=digits.x, y=None, task=None, meta=digits.meta)
    with pytest.raises(ValueError, match="no labels"):
        train_stacked(unlabeled, widths=(8,))
