"""Autoencoder family: shapes, output ranges, branch independence, PCA span, conditioning."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from corel_core.config import ModelConfig
from corel_core.models import (
    Autoencoder,
    BranchLinear,
    ModelOutput,
    RatioEstimator,
    build_model,
)

torch.set_num_threads(1)

SHAPES = [(2,), (1, 8, 8), (1, 28, 28), (3, 32, 32)]
KINDS = ["mlp", "linear", "conv", "branch_conv", "vae", "cvae", "cvae_optimal"]
IMAGE_ONLY = {"conv", "branch_conv"}


def _cfg(kind: str, **kw) -> ModelConfig:
    base = {
        "kind": kind,
        "latent_dim": 4,
        "hidden": (16,),
        "branches": 2 if kind == "branch_conv" else 1,
    }
    base.update(kw)
    return ModelConfig(**base)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_output_shapes(kind: str, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    if kind in IMAGE_ONLY and len(shape) == 1:
        with pytest.raises(ValueError, match="image inputs"):
            build_model(_cfg(kind), shape)
        return
    model = build_model(_cfg(kind), shape, n_tasks=2)
    assert isinstance(model, Autoencoder)
    x = torch.rand(3, *shape)
    task = torch.tensor([0, 1, 1])
    out = model(x, task)
    assert isinstance(out, ModelOutput)
    assert out.recon.shape == x.shape and out.logits.shape == x.shape
    assert out.z.shape == (3, 4)
    assert model.encode(x, task).shape == (3, 4)
    assert model.decode(out.z, task).shape == x.shape
    assert model.variational == kind.startswith(("vae", "cvae"))
    if model.variational:
        assert out.mu.shape == out.logvar.shape == out.z_sample.shape == (3, 4)
        assert torch.equal(out.z, out.mu)


@pytest.mark.parametrize("kind", ["mlp", "conv", "branch_conv", "vae", "cvae"])
def test_bernoulli_outputs_in_unit_interval_and_gaussian_is_identity(kind: str) -> None:
    torch.manual_seed(1)
    x = torch.rand(4, 1, 8, 8)
    bern = build_model(_cfg(kind, decoder="bernoulli"), (1, 8, 8))
    out = bern(x)
    assert torch.all(out.recon > 0) and torch.all(out.recon < 1)
    assert torch.allclose(out.recon, torch.sigmoid(out.logits))
    gauss = build_model(_cfg(kind, decoder="gaussian"), (1, 8, 8))
    out = gauss(x)
    assert torch.equal(out.recon, out.logits)


def test_wrong_input_shape_is_a_readable_error() -> None:
    model = build_model(_cfg("mlp"), (1, 8, 8))
    with pytest.raises(ValueError, match="built for inputs of shape"):
        model(torch.rand(2, 1, 28, 28))


def test_linear_model_is_affine() -> None:
    torch.manual_seed(2)
    model = build_model(_cfg("linear", hidden=(8, 6)), (5,))
    a, b = torch.randn(3, 5), torch.randn(3, 5)
    for f in (model.encode, lambda v: model(v).recon):
        mix = f(0.3 * a + 0.7 * b)
        assert torch.allclose(mix, 0.3 * f(a) + 0.7 * f(b), atol=1e-5)


def test_conv_model_has_lecture_code_region() -> None:
    model = build_model(_cfg("conv"), (1, 28, 28))
    assert model.code_shape == (8, 4, 4)
    feats = model.encoder[:-2](torch.rand(2, 1, 28, 28))  # up to the last pooling
    assert feats.shape == (2, 8, 4, 4)


@pytest.mark.parametrize(
    ("shape", "code"), [((3, 32, 32), (128, 4, 4)), ((1, 28, 28), (128, 4, 4))]
)
def test_branch_conv_architecture(shape: tuple[int, ...], code: tuple[int, ...]) -> None:
    model = build_model(_cfg("branch_conv", latent_dim=160, branches=16), shape)
    assert model.code_shape == code
    convs = [m for m in model.conv if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 64, 128]
    assert all(c.stride == (2, 2) and c.kernel_size == (3, 3) for c in convs)
    assert model.to_latent.weight.shape == (16, 2048 // 16, 10)
    assert model(torch.rand(2, *shape)).recon.shape == (2, *shape)


def test_branch_linear_blocks_are_independent() -> None:
    torch.manual_seed(3)
    layer = BranchLinear(12, 6, branches=3)
    x = torch.randn(1, 12)
    jac = torch.autograd.functional.jacobian(lambda v: layer(v)[0], x)[:, 0, :]  # (6, 12)
    for k in range(3):
        for j in range(3):
            block = jac[2 * k : 2 * k + 2, 4 * j : 4 * j + 4]
            if k == j:
                assert torch.allclose(block, layer.weight[k].T)
            else:
                assert torch.count_nonzero(block) == 0


def test_branch_conv_decoder_input_blocks_are_independent() -> None:
    torch.manual_seed(4)
    model = build_model(_cfg("branch_conv", latent_dim=8, branches=4), (3, 32, 32))
    z = torch.randn(1, 8)
    jac = torch.autograd.functional.jacobian(lambda v: model.from_latent(v)[0], z)[:, 0, :]
    per = jac.shape[0] // 4
    for k in range(4):
        rows = jac[k * per : (k + 1) * per]
        others = torch.cat([rows[:, : 2 * k], rows[:, 2 * k + 2 :]], dim=1)
        assert torch.count_nonzero(others) == 0
        assert torch.count_nonzero(rows[:, 2 * k : 2 * k + 2]) > 0


def test_branch_count_must_divide_features() -> None:
    with pytest.raises(ValueError, match="branches"):
        build_model(_cfg("branch_conv", latent_dim=6, branches=3, conv_channels=(4, 4)), (1, 4, 4))


def test_linear_autoencoder_spans_pca_subspace() -> None:
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    data = (rng.normal(size=(400, 5)) * [3.0, 2.0, 0.5, 0.3, 0.1]) @ q.T + 1.0
    x = torch.tensor(data, dtype=torch.float32)
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="linear", latent_dim=2, hidden=()), (5,))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(1500):
        opt.zero_grad()
        loss = ((model(x).recon - x) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
    pca = PCA(n_components=2).fit(data)
    pca_err = ((pca.inverse_transform(pca.transform(data)) - data) ** 2).sum(1).mean()
    decoder_cols = model.decoder[0].weight.detach().numpy()  # (5, 2)
    angles = subspace_angles(decoder_cols, pca.components_.T)
    assert np.max(angles) < 1e-3
    assert float(loss.detach()) == pytest.approx(pca_err, rel=1e-3)


def test_vae_samples_in_training_and_is_deterministic_in_eval() -> None:
    torch.manual_seed(5)
    model = build_model(_cfg("vae"), (6,))
    x = torch.rand(4, 6)
    out = model(x)
    assert not torch.allclose(out.z_sample, out.mu)
    model.eval()
    a, b = model(x), model(x)
    assert torch.equal(a.recon, b.recon)
    assert torch.allclose(a.recon, model.decode(a.mu))


def test_cvae_task_changes_decoder_output() -> None:
    torch.manual_seed(6)
    model = build_model(_cfg("cvae"), (6,), n_tasks=3)
    z = torch.randn(4, 4)
    outs = [model.decode(z, torch.full((4,), s)) for s in range(3)]
    assert not torch.allclose(outs[0], outs[1]) and not torch.allclose(outs[1], outs[2])
    x = torch.rand(4, 6)
    assert not torch.allclose(
        model.encode(x, torch.zeros(4, dtype=torch.long)),
        model.encode(x, torch.ones(4, dtype=torch.long)),
    )
    with pytest.raises(ValueError, match="task id"):
        model(x)
    with pytest.raises(ValueError, match=r"task ids must lie in 0\.\.2"):
        model(x, torch.tensor([0, 1, 2, 3]))


def test_cvae_optimal_has_a_ratio_estimator_on_z() -> None:
    model = build_model(_cfg("cvae_optimal"), (6,), n_tasks=2)
    assert isinstance(model.ratio, RatioEstimator)
    assert model.ratio(torch.randn(7, 4)).shape == (7,)
    layers = list(model.ratio.net)
    linears = [m for m in layers if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [64, 64, 1]
    assert linears[0].in_features == 4
    assert sum(isinstance(m, torch.nn.Tanh) for m in layers) == 2
    # AAAI 2019 discriminator: dropout 0.5 once, right before the output layer
    dropouts = [i for i, m in enumerate(layers) if isinstance(m, torch.nn.Dropout)]
    assert dropouts == [len(layers) - 2] and layers[-2].p == 0.5


def test_ratio_estimator_shape_options_and_errors() -> None:
    aaai = RatioEstimator(3, hidden=(500, 500, 500))
    assert [m.out_features for m in aaai.net if isinstance(m, torch.nn.Linear)] == [500] * 3 + [1]
    plain = RatioEstimator(3, hidden=(8,), activation="relu", dropout=0.0)
    assert not any(isinstance(m, torch.nn.Dropout) for m in plain.net)
    assert any(isinstance(m, torch.nn.ReLU) for m in plain.net)
    z = torch.randn(5, 3)
    aaai.eval()
    assert torch.equal(aaai(z), aaai(z))  # no dropout noise in eval mode
    with pytest.raises(ValueError, match="dropout"):
        RatioEstimator(3, dropout=1.0)
    with pytest.raises(ValueError, match="at least 1"):
        RatioEstimator(3, hidden=(0,))
    with pytest.raises(ValueError, match="unknown activation"):
        RatioEstimator(3, activation="swish")


def test_ratio_estimator_recovers_log_density_ratio() -> None:
    """Logistic regression of q = N(1, 1) (label 1) vs p = N(0, 1) (label 0): T(z) → z − 1/2."""
    torch.manual_seed(0)
    ratio = RatioEstimator(1, hidden=(32, 32), dropout=0.0)
    opt = torch.optim.Adam(ratio.parameters(), lr=3e-3)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    for _ in range(800):
        zq, zp = torch.randn(512, 1) + 1.0, torch.randn(512, 1)
        loss = 0.5 * (bce(ratio(zq), torch.ones(512)) + bce(ratio(zp), torch.zeros(512)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    grid = torch.linspace(-1.0, 2.0, 31).unsqueeze(1)
    with torch.no_grad():
        estimate = ratio.eval()(grid)
    truth = grid.squeeze(1) - 0.5
    assert torch.max(torch.abs(estimate - truth)) < 0.2
