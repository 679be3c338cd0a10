"""Variational lower bounds on I(S;Z): Barber–Agakov (held-out classifier) and InfoNCE.

Both fit a model on some points and evaluate it on others, so in expectation they are lower
bounds on the true I(S;Z); a poor model gives a loose (possibly negative) value, never a high one.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from corel_core.mi.base import (
    MIError,
    MIEstimate,
    check_codes,
    check_labels,
    entropy_of_labels,
    make_estimate,
)

PROB_FLOOR = 1e-12  # predicted probabilities are clipped here so ln p stays finite


def _classifier(model: str, seed: int):
    if model == "logistic":
        clf = LogisticRegression(max_iter=2000)
    elif model == "mlp":
        clf = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-2, max_iter=1000, random_state=seed)
    else:
        raise MIError(f"model must be 'logistic' or 'mlp', not {model!r}.")
    return make_pipeline(StandardScaler(), clf)


def classifier_mi(
    z: np.ndarray, s: np.ndarray, model: str = "logistic", folds: int = 5, seed: int = 0
) -> MIEstimate:
    """Barber–Agakov bound I(S;Z) >= H(S) - CE, CE the cross-validated log-loss of a classifier.

    Each point's -ln p(s|z) comes from a model fit on the other stratified folds (standardised z,
    probabilities clipped at 1e-12). The interval is value -/+ 1.96 standard errors of the
    per-sample terms -ln pi_s + ln p(s|z), whose mean is exactly H(S) - CE.
    """
    if folds < 2:
        raise MIError("folds must be at least 2 so every point is scored by a model not fit on it.")
    x = check_codes(z)
    codes, counts = check_labels(s, x.shape[0], min_per_class=folds)
    _classifier(model, seed)  # validates the model name before any fitting
    n, k = x.shape[0], counts.size
    log_p = np.empty(n)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, codes):
        with warnings.catch_warnings():  # an unconverged fit still gives a valid (looser) bound
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = _classifier(model, seed).fit(x[train], codes[train])
        proba = np.zeros((test.size, k))
        proba[:, clf.classes_] = clf.predict_proba(x[test])
        p_true = np.clip(proba[np.arange(test.size), codes[test]], PROB_FLOOR, 1.0)
        log_p[test] = np.log(p_true)
    h_s = entropy_of_labels(codes)
    terms = -np.log(counts[codes] / n) + log_p
    note = (
        f"Lower bound H(S) - held-out cross-entropy of a {model} classifier ({folds}-fold); "
        "it is negative when the classifier does worse than guessing the class frequencies."
    )
    return make_estimate(terms, h_s, f"classifier_{model}", note)


class _Critic(nn.Module):
    """Separable critic f(z, s) = g(z)[s]: an MLP from z to one score per class."""

    def __init__(self, d: int, k: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, k))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def _infonce_terms(critic: _Critic, z: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Per-sample InfoNCE terms f(z_i,s_i) - ln (1/B) sum_j exp f(z_i,s_j) over one batch."""
    scores = critic(z)[:, s]  # (B, B): row i scores z_i against every label in the batch
    return scores.diagonal() - torch.logsumexp(scores, dim=1) + math.log(z.shape[0])


def infonce_mi(
    z: np.ndarray,
    s: np.ndarray,
    *,
    batch_size: int = 256,
    steps: int = 300,
    hidden: int = 64,
    lr: float = 5e-3,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> MIEstimate:
    """InfoNCE lower bound on I(S;Z): a small MLP critic trained on a split, scored on the rest.

    Teaching estimator: every batch term is at most ln(batch), so the value can never exceed
    ln(batch_size). The interval is value -/+ 1.96 standard errors of the held-out per-sample terms.
    """
    if not 0.0 < test_fraction < 1.0:
        raise MIError("test_fraction must lie strictly between 0 and 1.")
    if batch_size < 2 or steps < 1:
        raise MIError("batch_size must be at least 2 and steps at least 1.")
    x = check_codes(z)
    codes, counts = check_labels(s, x.shape[0], min_per_class=2)
    n, k = x.shape[0], counts.size
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    n_test = max(2, round(test_fraction * n))
    if n - n_test < 2:
        raise MIError(f"InfoNCE needs at least 4 points to split into train and test; got {n}.")
    test, train = perm[:n_test], perm[n_test:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std[std == 0] = 1.0
    xt = torch.as_tensor((x - mean) / std, dtype=torch.float32)
    st = torch.as_tensor(codes)
    b_train = min(batch_size, train.size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = _Critic(x.shape[1], k, hidden)
        opt = torch.optim.Adam(critic.parameters(), lr=lr)
        for _ in range(steps):
            idx = torch.as_tensor(rng.choice(train, size=b_train, replace=False))
            loss = -_infonce_terms(critic, xt[idx], st[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        n_batches = max(1, math.ceil(test.size / batch_size))
        with torch.no_grad():
            terms = [
                _infonce_terms(critic, xt[torch.as_tensor(b)], st[torch.as_tensor(b)])
                for b in np.array_split(test, n_batches)
                if b.size >= 2
            ]
    values = torch.cat(terms).numpy().astype(np.float64)
    cap = math.log(min(batch_size, test.size))
    note = (
        f"InfoNCE lower bound on {test.size} held-out points, capped at ln(batch) = {cap:.3f} "
        "nats; high-variance and for teaching, prefer the classifier bound for numbers."
    )
    return make_estimate(values, entropy_of_labels(codes), "infonce", note)
