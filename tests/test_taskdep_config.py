"""Task-dependency settings: the synthetic default, per-source defaults, decoder, CLI flags."""

from __future__ import annotations

import argparse

import pytest

from corel_core.cli import taskdep as taskdep_cli
from corel_core.config import ConfigError
from corel_core.studies.taskdep.config import SOURCE_DEFAULTS, TASK_PAIRS, TaskDepConfig


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    taskdep_cli.add_taskdep_parser(parser.add_subparsers())
    return parser.parse_args(["taskdep", *argv])


def test_default_is_the_offline_synthetic_pair() -> None:
    cfg = TaskDepConfig()
    assert (cfg.source, cfg.target, cfg.dataset) == ("synthetic", "shifted", "synthetic_shifted")
    assert TASK_PAIRS[("synthetic", "shifted")] == "synthetic_shifted"
    assert cfg.seeds == (0, 1, 2) and cfg.n_target == 100 and cfg.epochs == 40
    assert cfg.decoder == "auto" and cfg.resolved_decoder == "gaussian"
    run = cfg.run_config("cvae_optimal", 1)
    assert run.model.decoder == "gaussian" and run.model.kind == "cvae_optimal"
    # ½ Σ (x − x̂)² is −ln N(x; x̂, I) up to a constant: the unit-variance Gaussian decoder
    assert run.loss.reconstruction == "mse" and run.loss.recon_weight == 0.5
    assert run.loss.ratio_steps == cfg.ratio_steps == 5
    assert run.data.name == "synthetic_shifted" and run.data.limit == cfg.n_source == 2000
    assert run.data.seed == run.train.seed == 1


def test_mnist_pairs_keep_their_settings_and_bernoulli_decoder() -> None:
    cfg = TaskDepConfig.for_pair("mnist", "digits")
    for key, value in SOURCE_DEFAULTS["mnist"].items():
        assert getattr(cfg, key) == value
    assert cfg.epochs == 20 and cfg.n_source == 3000 and cfg.iw_samples == 100
    assert cfg.resolved_decoder == "bernoulli"
    run = cfg.run_config("cvae", 0)
    assert run.model.decoder == "bernoulli" and run.loss.reconstruction == "bce"
    assert run.loss.recon_weight == 1.0
    assert TaskDepConfig.for_pair("mnist", "fonts", epochs=7).epochs == 7  # overrides win
    assert TaskDepConfig.for_pair("synthetic", "shifted") == TaskDepConfig()
    explicit = TaskDepConfig(decoder="bernoulli", source="mnist", target="rotated")
    assert explicit.run_config("vae", 0).model.decoder == "bernoulli"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="synthetic→shifted"):
        TaskDepConfig(source="synthetic", target="digits")
    with pytest.raises(ConfigError, match="ratio_steps"):
        TaskDepConfig(ratio_steps=0)
    with pytest.raises(ConfigError, match="real-valued"):
        TaskDepConfig(decoder="bernoulli")
    with pytest.raises(ConfigError, match="decoder"):
        TaskDepConfig(decoder="poisson")


def test_dict_round_trip_keeps_ratio_steps() -> None:
    cfg = TaskDepConfig(ratio_steps=7, seeds=(4,))
    raw = cfg.to_dict()
    assert raw["ratio_steps"] == 7 and raw["decoder"] == "auto"
    assert TaskDepConfig.from_dict(raw) == cfg


def test_cli_defaults_and_flags() -> None:
    cfg = taskdep_cli.config_from_args(parse())
    assert cfg == TaskDepConfig()
    mnist = taskdep_cli.config_from_args(parse("--source", "mnist", "--data-dir", "/d"))
    assert (mnist.target, mnist.epochs, mnist.n_source) == ("digits", 20, 3000)
    assert mnist.data_dir == "/d"
    quick = taskdep_cli.config_from_args(parse("--source", "mnist", "--quick"))
    assert quick.epochs == 3 and quick.seeds == (0,)  # --quick overrides the pair's defaults
    flags = taskdep_cli.config_from_args(
        parse("--epochs", "9", "--seeds", "2", "--ratio-steps", "10", "--target", "shifted")
    )
    assert (flags.epochs, flags.seeds, flags.ratio_steps) == (9, (0, 1), 10)
    with pytest.raises(SystemExit):
        parse("--source", "cifar")
