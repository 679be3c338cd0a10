"""`python -m corel_core train`: one flag per RunConfig field, generated from the schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from corel_core.cli import main
from corel_core.cli.main import build_parser, config_from_args
from corel_core.config import SETTINGS, LossConfig, RunConfig, TrainConfig
from corel_core.presets import get_preset
from corel_core.schema import replace_settings
from tests.test_schema import non_default


def parse(*argv: str) -> RunConfig:
    return config_from_args(build_parser().parse_args(["train", *argv]))


def test_every_field_is_a_train_flag() -> None:
    changed = replace_settings(
        RunConfig(), {s: non_default(s) for s in SETTINGS if s.name != "preset"}
    )
    argv: list[str] = []
    for s in SETTINGS:
        if s.name != "preset":
            argv += [s.flag, s.format(s.get(changed))]
    assert len(argv) == 2 * (len(SETTINGS) - 1)
    assert parse(*argv) == changed


def test_help_lists_every_flag_with_its_rule() -> None:
    sub = build_parser()._subparsers._group_actions[0].choices["train"]  # type: ignore[union-attr]
    text = sub.format_help()
    assert all(s.flag in text for s in SETTINGS)
    assert "--eta X" in text and "greater than 0" in text


def test_seed_seeds_training_and_data_seed_the_data() -> None:
    config = parse("--seed", "3")
    assert (config.train.seed, config.data.seed) == (3, 0)  # as the form and the URL do
    config = parse("--seed", "3", "--data-seed", "5")
    assert (config.train.seed, config.data.seed) == (3, 5)


def test_preset_then_flags(tmp_path: Path) -> None:
    toy = get_preset("toy_connectivity").config
    config = parse("--preset", "toy_connectivity", "--epochs", "4", "--lambda-conn", "2.5")
    assert config == toy.replace(train={"epochs": 4}, loss={"lambda_conn": 2.5})
    assert config.preset == "toy_connectivity"
    file = tmp_path / "run.json"
    file.write_text(
        RunConfig(loss=LossConfig(eta=1.5), train=TrainConfig(epochs=9), name="f").to_json()
    )
    config = parse("--config", str(file), "--epochs", "2")
    assert (config.loss.eta, config.train.epochs, config.name) == (1.5, 2, "f")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--eta", "0"], "greater than 0, not 0.0 (setting eta)"),
        (["--hidden", "64,x"], "setting hidden"),
        (["--model", "resnet"], "setting model"),
        (["--preset", "nope"], "no preset named 'nope'"),
        (["--latent-dim", "6", "--branches", "4"], "must divide"),
    ],
)
def test_bad_flags_print_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["train", *argv, "--runs-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err, err
    assert not any(tmp_path.iterdir()), "no run folder for a refused config"
