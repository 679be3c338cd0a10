"""Training objective: reconstruction plus every active regulariser, and the discriminator passes.

``Objective.__call__`` returns the WEIGHTED contribution of each active term (what is added to
"total"), so a plot of the terms stacks up to the total. Terms:
  recon        recon_weight · reconstruction of the clean input (encoder may see a corrupted one)
  conn         lambda_conn · L_η(z), COREL's connectivity loss (Hofer et al., ICML 2019)
  sparse_l1    sparse_l1 · mean_b Σ_j |z_bj|
  sparse_kl    sparse_kl · Σ_j KL(ρ ‖ ρ̂_j)
  contractive  contractive · mean_b ‖J_f(x_b)‖²_F
  kl           w(epoch) · mean_b KL(q(z|x) ‖ p(z)), w = beta·min(1, (epoch+1)/kl_warmup_epochs);
               for the optimal-prior CVAE the per-sample KL is KL(q(z|x,s) ‖ N(0,I)) − T(z_sample)
               (Takahashi et al., KDD 2022), i.e. KL to the aggregated posterior q(z).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from corel_core.config import ConfigError, LossConfig, ModelConfig
from corel_core.losses import (
    contractive_penalty,
    corrupt,
    gaussian_kl_per_sample,
    kl_sparsity,
    reconstruction,
    sparse_l1,
)
from corel_core.topology.connectivity import check_branches, check_eta, weighted_connectivity
from corel_core.topology.persistence import check_metric

RATIO_LR = 1e-3  # Adam learning rate of the density-ratio discriminator (AAAI 2019 default)


class Objective:
    """Loss of one batch built from a ``LossConfig``; owns the discriminator's optimiser."""

    def __init__(self, *, loss: LossConfig, model: ModelConfig):
        self.loss = loss
        self.model_config = model
        self.last_deaths: Tensor | None = None
        self._ratio_opt: torch.optim.Optimizer | None = None
        self._ratio_module: nn.Module | None = None
        self._conn_args: tuple[float, int, int, float] | None = None

    def kl_weight(self, epoch: int) -> float:
        """beta·min(1, (epoch+1)/kl_warmup_epochs): linear KL warm-up (beta when warm-up is 0)."""
        warmup = self.loss.kl_warmup_epochs
        if warmup <= 0:
            return float(self.loss.beta)
        return float(self.loss.beta) * min(1.0, (epoch + 1) / warmup)

    def __call__(
        self, model: nn.Module, x: Tensor, task: Tensor | None = None, epoch: int = 0
    ) -> dict[str, Tensor]:
        """Weighted loss terms of one batch plus their sum under "total" (differentiable)."""
        cfg = self.loss
        x_in = x
        if cfg.noise != "none":
            x_in = corrupt(x, cfg.noise, cfg.noise_factor, clip=x.dim() > 2)
        variational = getattr(model, "variational", False)
        terms: dict[str, Tensor] = {}
        if cfg.recon_weight > 0 or variational:
            out = model(x_in, task)
            z = out.z
        else:  # nothing reads the decoder (the connectivity toy): encode only
            z = model.encode(x_in, task)
        if cfg.recon_weight > 0:
            recon = reconstruction(out.recon, out.logits, x, cfg.reconstruction)
            terms["recon"] = cfg.recon_weight * recon
        if cfg.lambda_conn > 0:
            terms["conn"] = self._connectivity(z)
        if cfg.sparse_l1 > 0:
            terms["sparse_l1"] = cfg.sparse_l1 * sparse_l1(z)
        if cfg.sparse_kl > 0:
            terms["sparse_kl"] = cfg.sparse_kl * kl_sparsity(z, cfg.sparse_rho)
        if cfg.contractive > 0:
            terms["contractive"] = cfg.contractive * contractive_penalty(model.encode, x_in, task)
        if variational:
            terms["kl"] = self.kl_weight(epoch) * self._kl(model, out).mean()
        terms["total"] = sum(terms.values())
        return terms

    def _connectivity(self, z: Tensor) -> Tensor:
        """λ·L_η (mean over branches); also keeps the batch's death times for plots."""
        if self._conn_args is None:  # checked once: this runs in every training step
            check_branches(z, self.model_config.branches)
            self._conn_args = (
                check_eta(self.loss.eta),
                check_metric(self.loss.metric),
                self.model_config.branches,
                float(self.loss.lambda_conn),
            )
        value, deaths = weighted_connectivity(z, *self._conn_args)
        self.last_deaths = torch.from_numpy(deaths.reshape(-1))  # all branches, in order
        return value

    def _kl(self, model: nn.Module, out) -> Tensor:
        """Per-sample KL term: closed form to N(0, I), minus T(z) for the optimal-prior CVAE."""
        if out.mu is None or out.logvar is None:
            raise ValueError("a variational model must return mu and logvar.")
        kl = gaussian_kl_per_sample(out.mu, out.logvar)
        ratio = getattr(model, "ratio", None)
        if ratio is None:
            return kl
        # T is frozen here: detached parameters, eval mode (no dropout); gradients reach the
        # encoder through z_sample only.
        params = {k: v.detach() for k, v in ratio.named_parameters()}
        params.update(dict(ratio.named_buffers()))
        was_training = ratio.training
        ratio.eval()
        try:
            t = torch.func.functional_call(ratio, params, (out.z_sample,))
        finally:
            ratio.train(was_training)
        return kl - t

    def after_step(
        self, model: nn.Module, x: Tensor, task: Tensor | None = None
    ) -> dict[str, float]:
        """Discriminator passes for the optimal-prior CVAE ({} for every other model).

        Each of the ``ratio_steps`` passes is one Adam step on the logistic loss
        ½[BCE(T(z_q), 1) + BCE(T(z_p), 0)] with fresh z_q ~ q(z|x,s) (detached encoder samples
        of this batch) and as many fresh z_p ~ N(0, I); chance level is ln 2. With B batches per
        epoch, ``ratio_steps`` passes per model step give T ``ratio_steps`` epochs' worth of
        updates per model epoch (the AAAI 2019 code trains T about 10 epochs per model epoch).
        Returns {"ratio_loss": mean loss over the passes}.
        """
        ratio = getattr(model, "ratio", None)
        steps = self.loss.ratio_steps
        if ratio is None or steps <= 0:
            return {}
        opt = self._ratio_optimizer(ratio)
        with torch.no_grad():
            mu, logvar = model.posterior(x, task)
            # rows 0..b-1: z_q = mu + std·eps (label 1); rows b..2b-1: z_p = 0 + 1·eps (label 0)
            centre = torch.cat([mu, torch.zeros_like(mu)])
            scale = torch.cat([torch.exp(0.5 * logvar), torch.ones_like(logvar)])
        b = mu.shape[0]
        labels = torch.cat([mu.new_ones(b), mu.new_zeros(b)])
        was_training = ratio.training
        ratio.train()
        losses = []
        for _ in range(steps):
            # one pass over [z_q; z_p]: the mean BCE over the 2b rows is the ½(·+·) above
            z = torch.addcmul(centre, scale, torch.randn_like(centre))
            loss = F.binary_cross_entropy_with_logits(ratio(z), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        for p in ratio.parameters():  # keep the model optimiser from seeing stale gradients
            p.grad = None
        ratio.train(was_training)
        return {"ratio_loss": float(torch.stack(losses).mean())}

    def _ratio_optimizer(self, ratio: nn.Module) -> torch.optim.Optimizer:
        if self._ratio_opt is None or self._ratio_module is not ratio:
            self._ratio_opt = torch.optim.Adam(ratio.parameters(), lr=RATIO_LR)
            self._ratio_module = ratio
        return self._ratio_opt


def build_objective(loss: LossConfig, model: ModelConfig) -> Objective:
    """The objective of a run; rejects loss/model combinations that make no sense."""
    gaussian_out = model.decoder == "gaussian" or model.kind == "linear"
    if loss.reconstruction == "bce" and gaussian_out:
        raise ConfigError(
            "binary cross-entropy needs a Bernoulli (sigmoid) decoder; choose 'mse' or 'l1' "
            "for Gaussian decoders and the linear autoencoder."
        )
    if loss.ratio_steps < 0:
        raise ConfigError("ratio_steps must not be negative.")
    variational = model.kind in ("vae", "cvae", "cvae_optimal")
    weights = (loss.recon_weight, loss.lambda_conn, loss.sparse_l1, loss.sparse_kl)
    weights += (loss.contractive,)
    if not variational and not any(w > 0 for w in weights):
        raise ConfigError("every loss weight is zero: there is nothing to train.")
    return Objective(loss=loss, model=model)
