"""The run table (labels, settings columns, final terms, filters) and raw loss terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from corel_core.analysis.loss_terms import raw_history, term_weights
from corel_core.analysis.runs_table import (
    filter_rows,
    final_columns,
    headers,
    run_label,
    run_rows,
    short_date,
    unique_labels,
)
from corel_core.config import LossConfig, RunConfig
from corel_core.store import RunStore


def test_label_reads_name_model_lambda_date() -> None:
    assert short_date("2026-11-30T08:38:38.123") == "30 Nov 08:38"
    assert (
        run_label("moons", "mlp", 20.0, "2026-11-30T08:38:38")
        == "moons · mlp · λ=20 · 30 Nov 08:38"
    )
    assert run_label("x", "vae", 0.5, "not a date") == "x · vae · λ=0.5"


def test_labels_made_unique_only_where_they_clash() -> None:
    ids = {"20261130-a-1111": "same", "20261130-b-2222": "same", "20261130-c-3333": "other"}
    assert unique_labels(ids) == {
        "20261130-a-1111": "same #1111",
        "20261130-b-2222": "same #2222",
        "20261130-c-3333": "other",
    }


@pytest.fixture()
def store(tmp_path: Path) -> RunStore:
    store = RunStore(tmp_path / "runs")
    a = store.create(RunConfig().with_texts({"dataset": "moons", "lambda-conn": "20", "seed": "3"}))
    a.append_epoch({"epoch": 0, "recon": 4.0, "conn": 1600.0, "total": 1604.0})
    b = store.create(RunConfig().with_texts({"dataset": "digits", "latent-dim": "8"}), name="base")
    b.append_epoch({"epoch": 0, "recon": 4.1, "total": 4.1})
    return store


def test_rows_carry_settings_and_each_final_term(store: RunStore) -> None:
    rows = {r["dataset"]: r for r in run_rows(store)}
    moons, digits = rows["moons"], rows["digits"]
    assert (moons["lambda"], moons["eta"], moons["seed"], moons["latent"]) == (20.0, 2.0, 3, 2)
    assert moons["final recon"] == 4.0 and moons["final conn"] == 1600.0
    assert digits["final total"] == 4.1 and "final conn" not in digits
    assert digits["latent"] == 8 and digits["label"].startswith("base · mlp · λ=0 · ")
    assert moons["label"].startswith("moons · mlp · λ=20 · ")
    assert final_columns(rows.values()) == ["final total", "final recon", "final conn"]
    shown = headers(["label", "lambda", "latent", "final recon", "final conn"])
    assert shown == {
        "label": "Run",
        "lambda": "λ (connectivity)",
        "latent": "Latent size",
        "final recon": "Final reconstruction",
        "final conn": "Final connectivity λ·L_η",
    }
    assert all("_" not in h or "L_η" in h for h in headers(rows["moons"]).values())


def test_filters_by_words_status_dataset_and_model(store: RunStore) -> None:
    rows = run_rows(store)
    assert [r["dataset"] for r in filter_rows(rows, "BASE")] == ["digits"]
    assert [r["dataset"] for r in filter_rows(rows, "moons λ=20")] == ["moons"]
    assert filter_rows(rows, "moons base") == []  # every word must match
    assert len(filter_rows(rows, datasets=["moons", "digits"])) == 2
    assert filter_rows(rows, statuses=["completed"]) == []  # both are still "created"
    assert filter_rows(rows, models=["vae"]) == []


def test_raw_terms_divide_by_the_weights_used_in_training() -> None:
    loss = LossConfig(recon_weight=2.0, lambda_conn=20.0, beta=4.0, kl_warmup_epochs=4)
    history = [
        {"epoch": 0, "recon": 8.0, "conn": 400.0, "kl": 3.0, "total": 411.0, "lr": 1e-3},
        {"epoch": 5, "recon": 6.0, "conn": 200.0, "kl": 8.0, "total": 214.0, "lr": 1e-3},
    ]
    raw = raw_history(history, loss)
    # epoch 0: KL weight β·(0+1)/4 = 1; epoch 5: warm-up over, weight β = 4
    assert raw[0] == {**history[0], "recon": 4.0, "conn": 20.0, "kl": 3.0}
    assert raw[1] == {**history[1], "recon": 3.0, "conn": 10.0, "kl": 2.0}
    assert term_weights(LossConfig(lambda_conn=0.0), 0)["conn"] == 0.0
    assert raw_history([{"recon": 1.0}], LossConfig(recon_weight=0.5)) == [{"recon": 2.0}]
