"""Stacked autoencoder: greedy layer-wise pretraining, fine-tuning, then a classifier on the code.

The lecture recipe (Bengio et al., 2007; Hinton & Salakhutdinov, 2006): train each dense layer as
a shallow autoencoder of the previous layer's activations, stack the encoders (and the decoders in
reverse), fine-tune the whole stack on reconstruction, and read the final code with a linear
classifier whose held-out accuracy says how much class information the code kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from corel_core.data import Dataset

Progress = Callable[[str, int, int], None]  # (stage, step done, steps in the stage)


class StackedError(ValueError):
    """A stacked-autoencoder request that cannot run (no labels, bad widths or epochs)."""


@dataclass
class StackedResult:
    """Losses of every stage, the fine-tuned stack and the classifier's held-out accuracy.

    ``layer_losses[k]`` holds layer k's mean reconstruction loss (of its own input, on the
    training split) before training, then after each pretraining epoch.
    """

    widths: tuple[int, ...]
    layer_losses: list[list[float]]
    finetune_losses: list[float]
    accuracy: float  # logistic regression on the fine-tuned code, held-out split
    accuracy_pretrained: float  # same classifier on the code straight after pretraining
    accuracy_pixels: float  # same classifier on the raw inputs: the baseline
    test_mse: float  # per-pixel MSE of the fine-tuned stack on the held-out split
    encoder: nn.Sequential
    decoder: nn.Sequential
    test_index: np.ndarray = field(repr=False)


def _layer(n_in: int, n_out: int, act: nn.Module | None) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, n_out), *([act] if act is not None else []))


def _fit(
    params: list[nn.Parameter],
    forward: Callable[[Tensor], Tensor],
    x: Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    gen: torch.Generator,
    tick: Callable[[int], None],
) -> list[float]:
    """Adam on mean squared error of forward(x) against x; full-data loss before and per epoch."""
    opt = torch.optim.Adam(params, lr=lr)

    def full_loss() -> float:
        with torch.no_grad():
            return float((forward(x) - x).pow(2).mean())

    losses = [full_loss()]
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch_size):
            xb = x[order[start : start + batch_size]]
            loss = (forward(xb) - xb).pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        losses.append(full_loss())
        tick(epoch + 1)
    return losses


def _accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    clf.fit(train_x, train_y)
    return float(clf.score(test_x, test_y))


def train_stacked(
    dataset: Dataset,
    widths: Sequence[int] = (128, 64, 32),
    epochs_per_layer: int = 10,
    finetune_epochs: int = 10,
    seed: int = 0,
    progress: Progress | None = None,
    *,
    test_fraction: float = 0.25,
    batch_size: int = 64,
    lr: float = 3e-3,
) -> StackedResult:
    """Greedy layer-wise pretraining of dense ReLU layers, fine-tuning, logistic regression on top.

    Layer 1 reconstructs pixels through a sigmoid; deeper layers reconstruct the previous layer's
    activations linearly. All losses are mean squared errors. Splits are stratified and seeded.
    """
    from sklearn.model_selection import train_test_split

    widths = tuple(int(w) for w in widths)
    if not widths or any(w < 1 for w in widths):
        raise StackedError("widths must list at least one positive layer width, e.g. 128,64,32.")
    if epochs_per_layer < 1 or finetune_epochs < 0:
        raise StackedError("pretraining needs at least one epoch per layer (fine-tuning ≥ 0).")
    if dataset.y is None:
        raise StackedError(f"{dataset.meta.name} has no labels, so no classifier can be trained.")
    if not 0.0 < test_fraction < 1.0:
        raise StackedError("test_fraction must lie strictly between 0 and 1.")
    report = progress or (lambda stage, done, total: None)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_all = dataset.x.reshape(len(dataset.x), -1).astype(np.float32)
    y_all = dataset.y
    index = np.arange(len(x_all))
    train_idx, test_idx = train_test_split(
        index, test_size=test_fraction, random_state=seed, stratify=y_all
    )
    x_train = torch.as_tensor(x_all[train_idx])
    x_test = torch.as_tensor(x_all[test_idx])

    encoders: list[nn.Sequential] = []
    decoders: list[nn.Sequential] = []
    layer_losses: list[list[float]] = []
    h = x_train
    n_in = x_train.shape[1]
    for k, width in enumerate(widths):
        enc = _layer(n_in, width, nn.ReLU())
        dec = _layer(width, n_in, nn.Sigmoid() if k == 0 else None)
        params = [*enc.parameters(), *dec.parameters()]
        stage = f"layer {k + 1}"
        losses = _fit(
            params,
            lambda v, e=enc, d=dec: d(e(v)),
            h,
            epochs_per_layer,
            batch_size,
            lr,
            gen,
            lambda done, s=stage: report(s, done, epochs_per_layer),
        )
        layer_losses.append(losses)
        encoders.append(enc)
        decoders.append(dec)
        with torch.no_grad():
            h = enc(h)
        n_in = width

    encoder = nn.Sequential(*encoders)
    decoder = nn.Sequential(*reversed(decoders))
    with torch.no_grad():
        pre_train, pre_test = encoder(x_train).numpy(), encoder(x_test).numpy()
    finetune: list[float] = []
    if finetune_epochs > 0:
        finetune = _fit(
            [*encoder.parameters(), *decoder.parameters()],
            lambda v: decoder(encoder(v)),
            x_train,
            finetune_epochs,
            batch_size,
            lr / 3,
            gen,
            lambda done: report("fine-tuning", done, finetune_epochs),
        )
    report("classifier", 0, 1)
    with torch.no_grad():
        code_train, code_test = encoder(x_train).numpy(), encoder(x_test).numpy()
        test_mse = float((decoder(encoder(x_test)) - x_test).pow(2).mean())
    y_train, y_test = y_all[train_idx], y_all[test_idx]
    result = StackedResult(
        widths=widths,
        layer_losses=layer_losses,
        finetune_losses=finetune,
        accuracy=_accuracy(code_train, y_train, code_test, y_test),
        accuracy_pretrained=_accuracy(pre_train, y_train, pre_test, y_test),
        accuracy_pixels=_accuracy(x_all[train_idx], y_train, x_all[test_idx], y_test),
        test_mse=test_mse,
        encoder=encoder.eval(),
        decoder=decoder.eval(),
        test_index=np.asarray(test_idx, dtype=np.int64),
    )
    report("classifier", 1, 1)
    return result


__all__ = ["StackedError", "StackedResult", "train_stacked"]
