"""Sweep grids, records, tables and figures: plain Python, no Ray (fast)."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from corel_core.cli import main
from corel_core.config import RunConfig
from corel_core.plots import PlotInputError
from corel_core.plots.sweep import PAPER_LAMBDA_ABLATION, metric_vs_field, reference_for
from corel_core.studies.sweep import SweepError, SweepSpec, SweepStore, parse_grid, parse_n
from corel_core.studies.sweep.results import aggregate, label_of, metric_names
from corel_core.studies.sweep.trial import code_death_mean

REPO = Path(__file__).resolve().parents[1]


def test_grid_accepts_field_and_flag_names_and_reads_values_like_the_flags() -> None:
    grid = parse_grid(["lambda_conn=0,1,10", "eta=1,2", "hidden=256,128;64", "model=mlp,linear"])
    assert grid == {
        "lambda-conn": ("0.0", "1.0", "10.0"),
        "eta": ("1.0", "2.0"),
        "hidden": ("256,128", "64"),
        "model": ("mlp", "linear"),
    }
    assert parse_grid(["lambda-conn=20"]) == {"lambda-conn": ("20.0",)}


@pytest.mark.parametrize(
    ("items", "words"),
    [
        (["nosuch=1,2"], "unknown setting 'nosuch'"),
        (["lambda_conn"], "FIELD=V1,V2"),
        (["lambda_conn=0,abc"], "must be a number"),
        (["lambda_conn=0,-1"], "at least 0"),
        (["lambda_conn=0,0.0"], "listed twice"),
        (["lambda_conn=0", "lambda-conn=1"], "given twice"),
        (["eta=1,,2"], "separated by ','"),
        (["preset=mnist_protocol"], "cannot be swept"),
        (["model=mlp,unet"], "one of mlp"),
    ],
)
def test_bad_grids_are_refused_with_a_sentence(items: list[str], words: str) -> None:
    with pytest.raises(SweepError, match=words):
        parse_grid(items)


def test_trials_are_the_cross_product_seeds_fastest_and_each_is_the_flag_config() -> None:
    base = RunConfig().replace(model={"kind": "mlp", "latent_dim": 4}, train={"seed": 5})
    grid = parse_grid(["lambda_conn=0,20", "branches=1,2"])
    spec = SweepSpec(base=base, grid=grid, seeds=(5, 6, 7))
    expected = list(itertools.product(["0.0", "20.0"], ["1", "2"], ["5", "6", "7"]))
    assert [tuple(t.params.values()) for t in spec.trials] == expected
    assert [t.index for t in spec.trials] == list(range(12))
    trial = spec.trials[7]  # lambda 20, branches 1, seed 6
    config = spec.config_of(trial)
    assert (config.loss.lambda_conn, config.model.branches, config.train.seed) == (20.0, 1, 6)
    assert (
        config.model.latent_dim == 4 and config.name == "sweep lambda-conn=20.0 branches=1 seed=6"
    )
    assert spec.trial_for({"lambda-conn": "20.0", "branches": "1", "seed": 6}) == trial
    assert spec.space == {
        "lambda-conn": ("0.0", "20.0"),
        "branches": ("1", "2"),
        "seed": ("5", "6", "7"),
    }
    again = SweepSpec.from_dict(spec.to_dict())
    assert again.trials == spec.trials and again.base == base


def test_a_grid_point_that_is_no_valid_run_is_refused_before_anything_runs() -> None:
    base = RunConfig().replace(model={"latent_dim": 4})
    with pytest.raises(SweepError, match=r"branches=3 .*must divide the latent size"):
        SweepSpec(base=base, grid=parse_grid(["branches=1,3"]))
    with pytest.raises(SweepError, match="either with --seeds or with --grid seed"):
        SweepSpec(base=base, grid=parse_grid(["seed=1,2"]), seeds=(0, 1))
    with pytest.raises(SweepError, match="at least 1"):
        SweepSpec(base=base, grid={}, max_concurrent=0)
    assert parse_n("80,120,500") == (80, 120, 500)
    with pytest.raises(SweepError, match="distinct whole numbers"):
        parse_n("120,120")


def test_cli_refuses_bad_sweeps_before_starting_ray(tmp_path: Path, capsys) -> None:
    runs = str(tmp_path / "runs")
    assert main(["sweep", "--grid", "nosuch=1,2", "--runs-dir", runs]) == 2
    assert "unknown setting 'nosuch'" in capsys.readouterr().err
    assert main(["sweep", "--dataset", "digits", "--runs-dir", runs]) == 2
    assert "needs --grid" in capsys.readouterr().err
    assert main(["sweep", "--grid", "eta=1,2", "--n", "120", "--runs-dir", runs]) == 2
    assert "add --oneclass" in capsys.readouterr().err
    assert main(["sweep", "--resume", "../etc", "--runs-dir", runs]) == 2
    assert "is not a sweep id" in capsys.readouterr().err
    assert main(["sweep", "--grid", "eta=1,2", "--retry-failed", "--runs-dir", runs]) == 2
    assert "--retry-failed goes with --resume" in capsys.readouterr().err
    assert not (tmp_path / "runs" / "sweeps").exists() or not any(
        (tmp_path / "runs" / "sweeps").iterdir()
    )


def test_sweep_store_keeps_specs_states_and_trial_records(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    spec = SweepSpec(base=RunConfig(), grid=parse_grid(["eta=1,2"]))
    sweep = store.create(spec)
    assert store.ids() == [sweep.id] and store.get(sweep.id).spec.trials == spec.trials
    assert sweep.runs_dir == tmp_path and sweep.state()["status"] == "created"
    assert sweep.counts() == {"pending": 2, "running": 0, "completed": 0, "failed": 0}
    sweep.update_trial(1, status="failed", message="boom")
    records = sweep.trials()
    assert [r["status"] for r in records] == ["pending", "failed"]
    assert records[1]["key"] == "eta=2.0 seed=0" and records[1]["message"] == "boom"
    sweep.set_state("running", "go")
    assert sweep.state()["status"] == "running"  # this process is alive
    state_file = sweep.path / "state.json"
    state_file.write_text(
        state_file.read_text().replace(f'"pid": {os.getpid()}', '"pid": 999999999')
    )
    assert sweep.state()["status"] == "interrupted"  # its driver is gone
    with pytest.raises(SweepError, match="no sweep"):
        store.get("20200101-000000-eta-abcd")


def test_aggregate_gives_mean_and_sample_sd_over_seeds() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for lam in (0.0, 20.0):
        for seed in range(4):
            rows.append(
                {"lambda-conn": lam, "seed": seed, "status": "completed", "recon": rng.normal()}
            )
    rows.append({"lambda-conn": 20.0, "seed": 9, "status": "failed", "recon": 1e9})
    rows.append({"lambda-conn": 40.0, "seed": 0, "status": "completed", "recon": 2.5})
    points = aggregate(rows, ["lambda-conn"], ["recon"])
    for point in points[:2]:
        values = [r["recon"] for r in rows[:8] if r["lambda-conn"] == point["lambda-conn"]]
        assert point["recon"] == pytest.approx(np.mean(values), rel=1e-12)
        assert point["recon_sd"] == pytest.approx(np.std(values, ddof=1), rel=1e-12)
        assert point["seeds"] == 4
    assert points[1]["trials"] == 5  # the failed trial is counted, not averaged
    assert points[2]["recon"] == 2.5 and points[2]["recon_sd"] is None
    assert metric_names(rows) == ["recon"]
    assert label_of("auroc_count_n120") == "one-class AUROC (count, n = 120)"


def test_code_death_mean_matches_scipy_minimum_spanning_trees() -> None:
    z = np.random.default_rng(1).normal(size=(530, 6))
    order = np.random.default_rng(0).permutation(len(z))
    deaths = []
    for k in range(5):  # 530 // 100 batches, two 3-D branches each
        batch = z[order[k * 100 : (k + 1) * 100]]
        for part in (batch[:, :3], batch[:, 3:]):
            deaths.append(minimum_spanning_tree(cdist(part, part, "cityblock")).data)
    expected = np.concatenate(deaths)
    assert expected.size == 5 * 2 * 99
    assert code_death_mean(z, 100, branches=2, metric="l1") == pytest.approx(expected.mean())
    assert math.isnan(code_death_mean(z[:1], 100))


def test_metric_figure_has_sd_error_bars_single_runs_and_the_paper_reference() -> None:
    trials = [
        {"lambda-conn": lam, "seed": s, "status": "completed", "auroc_count_n120": v}
        for lam, values in ((0.0, [0.50, 0.56, 0.53]), (20.0, [0.74, 0.78, 0.77]))
        for s, v in enumerate(values)
    ]
    points = aggregate(trials, ["lambda-conn"], ["auroc_count_n120"])
    ref = reference_for("lambda-conn", "auroc_count_n120")
    fig = metric_vs_field(points, "lambda-conn", "auroc_count_n120", trials=trials, reference=ref)
    mean, single, paper = fig.data
    assert list(mean.x) == [0.0, 20.0]
    assert list(mean.y) == pytest.approx([0.53, np.mean([0.74, 0.78, 0.77])])
    sds = [np.std([0.50, 0.56, 0.53], ddof=1), np.std([0.74, 0.78, 0.77], ddof=1)]
    assert list(mean.error_y.array) == pytest.approx(sds)
    assert len(single.x) == 6
    assert list(paper.x) == [0, 1, 10, 20, 40]
    assert list(paper.y) == [0.5467, 0.7092, 0.7545, 0.7600, 0.7476]
    assert "paper" in paper.name and paper.line.dash == "dash"
    assert ref == PAPER_LAMBDA_ABLATION and reference_for("eta", "auroc_count_n120") is None
    assert reference_for("lambda-conn", "recon") is None
    with pytest.raises(PlotInputError, match="no sweep point"):
        metric_vs_field(points, "lambda-conn", "recon")


def test_the_cli_and_the_pages_modules_do_not_import_ray() -> None:
    """Ray is imported only when a sweep runs (in engine.run_sweep), so other commands and the
    app's pages stay fast."""
    code = (
        "import sys, corel_core.cli, corel_core.plots.sweep, corel_core.studies.sweep.launch, "
        "corel_core.studies.sweep.results; print('ray' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
