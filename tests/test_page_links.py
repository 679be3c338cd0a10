"""Links that reproduce a page's state (Persistence, Density): the binding and the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.store import RunStore
from corel_core.training.runner import train_run
from ui.pagestate import Param, params_from_values, values_from_params

REPO = Path(__file__).resolve().parents[1]

PARAMS = [
    Param("b", "p.b", "int", 100),
    Param("eta", "p.eta", "float", 2.0),
    Param("show", "p.show", "bool", False),
    Param("rows", "p.rows", "ints", []),
    Param("runs", "p.runs", "strs", lambda: ["a"], lambda: ["a", "b", "c"]),
    Param("branch", "p.branch", "str", "0", lambda: ["0", "1", "all dims"]),
]


def test_values_round_trip_and_defaults_stay_out_of_the_link() -> None:
    values = {
        "p.b": 50,
        "p.eta": 1.5,
        "p.show": True,
        "p.rows": [3, 17],
        "p.runs": ["b", "c"],
        "p.branch": "0",
    }
    query = params_from_values(PARAMS, values)
    assert query == {"b": "50", "eta": "1.5", "show": "true", "rows": "3,17", "runs": "b,c"}
    back, notes = values_from_params(PARAMS, query)
    assert notes == [] and back == {k: v for k, v in values.items() if k != "p.branch"}
    # a computed default (e.g. "the newest run") is always written, even when it is chosen
    assert params_from_values(PARAMS, {"p.runs": ["a"]}) == {"runs": "a"}


def test_bad_or_unavailable_values_are_ignored_with_a_sentence() -> None:
    query = {"b": "many", "eta": "inf", "show": "maybe", "runs": "a,zz", "branch": "all dims"}
    values, notes = values_from_params(PARAMS, query)
    assert values == {"p.branch": "all dims"}
    assert len(notes) == 4
    assert any("runs='a,zz' was ignored (not available here)" in n for n in notes)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("link-runs")
    ids = []
    for lam in (0.0, 1.0):
        config = RunConfig(
            data=DataConfig(name="three_gaussians", split="aux", limit=300),
            model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
            loss=LossConfig(reconstruction="mse", lambda_conn=lam),
            train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        )
        ids.append(train_run(config, RunStore(root)).run.id)
    return root, ids


def _open(page: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(REPO / page), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_persistence_link_sets_the_widgets_and_the_address_follows(
    two_runs: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, ids = two_runs
    monkeypatch.setenv("COREL_RUNS_DIR", str(root))
    at = _open("pages/persistence.py", {"runs": ids[0], "b": "40", "seed": "3", "branch": "1"})
    assert at.multiselect(key="persistence.runs").value == [ids[0]]
    assert at.number_input(key="persistence.b").value == 40
    assert at.number_input(key="persistence.seed").value == 3
    assert at.selectbox(key="persistence.branch").value == "1"
    at.number_input(key="persistence.b").set_value(60).run()
    assert at.query_params["b"] == "60" and at.query_params["seed"] == "3"
    assert at.query_params["runs"] == ids[0]


def test_density_link_sets_the_widgets_and_ignores_a_missing_run(
    two_runs: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, ids = two_runs
    monkeypatch.setenv("COREL_RUNS_DIR", str(root))
    query = {"runs": ",".join(ids), "codes": "500", "reps": "2", "seed": "4", "run": "nope"}
    at = _open("pages/kde.py", query)
    assert at.multiselect(key="kde.runs").value == ids
    assert at.select_slider(key="kde.max_points").value == 500
    assert at.number_input(key="kde.oc_runs").value == 2
    assert at.number_input(key="kde.oc_seed").value == 4
    assert any("run='nope' was ignored" in w.value for w in at.warning)
    assert at.query_params["codes"] == "500" and at.query_params["reps"] == "2"
