"""Pages hand their native work to worker processes: the Latent explorer's t-SNE runs in a
worker (AppTest), and the Density page's one-class evaluation is a job the tab owns."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from corel_core.analysis.oneclass import cached_one_class, evaluate_one_class
from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.jobs import default_pool
from corel_core.store import RunStore
from corel_core.training.runner import train_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def tiny_run() -> str:
    config = RunConfig(
        data=DataConfig(name="moons", limit=120),
        model=ModelConfig(kind="mlp", latent_dim=3, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=1, batch_size=40, device="cpu"),
    )
    return train_run(config, RunStore()).run.id


def test_the_explorers_t_sne_runs_in_a_worker_process(runs_dir: Path) -> None:
    run_id = tiny_run()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/explorer.py").run()
    at.selectbox(key="explorer.method").set_value("tsne").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) >= 1
    jobs = [j for j in default_pool().jobs(lane="quick") if j.label == f"tsne of {run_id}"]
    assert len(jobs) == 1 and jobs[0].status == "completed"
    assert jobs[0].pid not in (None, os.getpid())  # computed in another process
    cached = list((runs_dir / run_id / "extra").glob("proj-*.npy"))
    assert cached, "the worker did not leave the projection in the run folder"
    at.run()  # a rerun (any click) reuses the projection: no second job
    assert len([j for j in default_pool().jobs() if j.label == f"tsne of {run_id}"]) == 1


def test_a_one_class_evaluation_is_a_job_of_the_tab_and_its_result_reaches_the_page(
    runs_dir: Path,
) -> None:
    config = RunConfig(
        data=DataConfig(name="three_gaussians", split="aux"),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(10,), decoder="gaussian"),
        loss=LossConfig(reconstruction="mse", lambda_conn=1.0),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
    )
    run = train_run(config, RunStore()).run
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/kde.py").run()
    at.selectbox(key="kde.oc_n").set_value(80).run()
    at.number_input(key="kde.oc_runs").set_value(1).run()
    at.button(key="kde.oc_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # found through the pool, not the page's state: a quick job may have ended (and the page
    # dropped its id) before this line runs
    jobs = [j for j in default_pool().jobs() if j.label == f"one-class {run.id}"]
    assert len(jobs) == 1, [j.label for j in default_pool().jobs()]
    job = jobs[0]
    assert job.owner and job.lane == "long"
    assert job.wait(120) and job.status == "completed", job.message
    assert job.pid not in (None, os.getpid())
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = at.dataframe[0].value
    assert list(shown["scorer"]) == ["count", "kde", "ocsvm"]
    # what the worker computed and cached equals the same evaluation done here
    here = evaluate_one_class(
        run, "three_gaussians", n=80, runs=1, seed=0, split="eval", use_cache=False
    )
    there = cached_one_class(run, "three_gaussians", 80, 1, 0, "eval", "official")
    for scorer in here.scorers:
        np.testing.assert_array_equal(there.auroc[scorer], here.auroc[scorer])
