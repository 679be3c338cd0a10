"""AppTest of the task-dependency page: controls, a stored experiment, and the Start/Stop flow."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from corel_core.store import RunStore
from corel_core.studies.taskdep import TaskDepConfig, TaskDepStore, run_taskdep
from corel_core.studies.taskdep.background import find_job

torch.set_num_threads(1)
PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "taskdep.py")


@pytest.fixture()
def env(runs_dir, mnist_dir, monkeypatch):
    monkeypatch.setenv("COREL_DATA_DIR", str(mnist_dir))
    monkeypatch.setenv("COREL_OFFLINE", "1")
    return runs_dir


def _labels(widgets) -> list[str]:
    return [w.label for w in widgets]


def test_page_renders_controls_without_experiments(env):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert {"Source task", "Target task"} <= set(_labels(at.selectbox))
    assert {"Target samples", "Seeds", "Epochs"} <= set(_labels(at.number_input))
    assert "Start" in _labels(at.button)
    assert any("No experiments yet" in i.value for i in at.info)
    assert len(at.latex) == 2  # Theorem 1 and Theorem 2
    theory = " ".join(m.value for m in at.markdown)
    assert "one *cause* of the task dependency" in theory
    assert "also pushes I(S;Z) down" not in theory
    default = TaskDepConfig()
    assert at.selectbox(key="td.source").value == default.source
    assert at.selectbox(key=f"td.target.{default.source}").value == default.target
    assert at.number_input(key=f"td.epochs.{default.source}").value == default.epochs
    # another source starts from that pair's own defaults (MNIST pairs: 20 epochs)
    at.selectbox(key="td.source").set_value("mnist").run()
    mnist = TaskDepConfig.for_pair("mnist", at.selectbox(key="td.target.mnist").value)
    assert at.number_input(key="td.epochs.mnist").value == mnist.epochs == 20


def test_page_shows_a_stored_experiment(env, mnist_dir):
    cfg = TaskDepConfig(
        n_source=60,
        n_target=20,
        epochs=1,
        seeds=(0,),
        latent_dim=3,
        hidden=(16,),
        n_eval_source=20,
        n_eval_target=20,
        iw_samples=4,
        mi_samples=128,
        infonce_steps=5,
        data_dir=str(mnist_dir),
        device="cpu",
    )
    result = run_taskdep(cfg, RunStore(env))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.query_params["exp"] == [result.id] or at.query_params["exp"] == result.id
    assert "Experiment" in _labels(at.selectbox)
    assert "Latents of" in _labels(at.selectbox)
    picker = at.selectbox(key=next(k for k in at.session_state if str(k).startswith("td.exp.")))
    shown = picker.format_func(picker.value)  # the experiment in words, not its folder id
    assert shown.startswith(f"{cfg.source} → {cfg.target} · 1 seed · ")
    assert shown.endswith("· completed")
    assert result.id not in shown
    assert len(at.table) == 1
    captions = " ".join(c.value for c in at.caption)
    assert "Theorem 1" in captions and "importance-sampled" in captions
    assert "OWN prior" in captions and "posterior means" in captions
    assert "consistent" not in captions  # kNN is only asymptotically right
    # T's fidelity is on screen: as a warning below 90 % recovery, else as a success note
    fid = result.records["cvae_optimal"][0]["ratio_fidelity"]
    notes = [w.value for w in (at.warning if fid["recovery"] < 0.9 else at.success)]
    assert any("KL(q(z)‖p(z))" in n and f"{fid['recovery']:.0%}" in n for n in notes)
    assert any("Optimal prior vs CVAE" in m.value for m in at.markdown)
    at.radio(key="td.ll").set_value("pooled").run()
    assert not at.exception


def test_start_queues_a_job_that_reports_progress_and_stops(env):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.number_input(key="td.seeds").set_value(1)
    at.number_input(key=f"td.epochs.{TaskDepConfig().source}").set_value(1)
    at.button[0].click().run()
    assert not at.exception
    store = TaskDepStore(env)
    (exp_id,) = store.ids()
    job = find_job(exp_id)
    assert job is not None
    job.pause()  # held (not done) while the page is drawn: a queued job starts paused
    at.run()  # this tab's experiment runs, so Start waits for it
    assert at.button[0].label == "Start" and at.button[0].disabled
    job.resume()
    deadline = time.time() + 60
    while time.time() < deadline and not (store.read_progress(exp_id) or {}).get("stages"):
        time.sleep(0.2)
    job.stop()
    assert job.wait(120)
    progress = store.read_progress(exp_id)
    assert progress["config"]["epochs"] == 1
    assert progress["status"] in ("stopped", "completed")
    at.run()
    assert not at.exception
    assert not at.button[0].disabled  # it ended: Start again


def test_an_experiment_stopped_before_any_scoring_says_so_instead_of_empty_charts(env):
    from corel_core.studies.taskdep import TaskDepResult

    cfg = TaskDepConfig()
    store = TaskDepStore(env)
    exp_id = store.new_id(cfg.source, cfg.target)
    stopped = TaskDepResult(
        config=cfg, records={k: [] for k in cfg.models}, id=exp_id, status="stopped"
    )
    stopped.message = "stopped during vae, seed 0."
    store.save_result(exp_id, stopped.to_dict())
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["exp"] = exp_id
    at.run()
    assert not at.exception
    (info,) = [i.value for i in at.info if "before any model was scored" in i.value]
    assert "stopped during vae, seed 0." in info
    assert not at.get("plotly_chart") and not at.table  # no empty charts or tables
