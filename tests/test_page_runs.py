"""AppTest of the Runs page: table columns and headers, filters, curve options, settings link."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

from streamlit.testing.v1 import AppTest

from corel_core.config import RunConfig
from corel_core.store import RunStore
from ui.urlstate import config_from_params

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _fake_run(store: RunStore, texts: dict[str, str], epochs: list[dict], name: str = "") -> str:
    run = store.create(RunConfig().with_texts(texts), name=name)
    for record in epochs:
        run.append_epoch(record)
    run.set_status("completed", "done")
    return run.id


def _open(runs_dir: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/runs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _store(runs_dir: Path) -> tuple[RunStore, str, str]:
    store = RunStore(runs_dir)
    conn = _fake_run(
        store,
        {"dataset": "moons", "lambda-conn": "20", "eta": "1.5", "seed": "7", "epochs": "2"},
        [
            {"epoch": 0, "recon": 6.0, "conn": 3000.0, "total": 3006.0},
            {"epoch": 1, "recon": 4.0, "conn": 1600.0, "total": 1604.0},
        ],
        name="withconn",
    )
    plain = _fake_run(
        store,
        {"dataset": "digits", "latent-dim": "8"},
        [{"epoch": 0, "recon": 4.1, "total": 4.1}],
    )
    return store, conn, plain


def test_table_has_settings_and_final_terms_under_human_headers(runs_dir: Path) -> None:
    _, conn, plain = _store(runs_dir)
    at = _open(runs_dir)
    frame = at.dataframe[0].value
    rows = {r["id"]: r for r in frame.to_dict("records")}
    assert rows[conn]["lambda"] == 20.0 and rows[conn]["eta"] == 1.5 and rows[conn]["seed"] == 7
    assert rows[conn]["final conn"] == 1600.0 and rows[conn]["final recon"] == 4.0
    assert rows[plain]["latent"] == 8 and rows[plain]["final total"] == 4.1
    assert rows[conn]["label"].startswith("withconn · mlp · λ=20 · ")
    assert rows[plain]["label"].startswith("digits · mlp · λ=0 · ")
    # headers are words (the column config renames every key)
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["label"]["label"] == "Run" and config["latent"]["label"] == "Latent size"
    assert config["final conn"]["label"] == "Final connectivity λ·L_η"
    assert all(
        c.get("hidden") or "_" not in c["label"] or "L_η" in c["label"] for c in config.values()
    )


def test_filters_narrow_the_table(runs_dir: Path) -> None:
    _, conn, _ = _store(runs_dir)
    at = _open(runs_dir)
    chosen = at.multiselect(key="runs.compare_ids").value
    assert len(chosen) == 2
    at.text_input(key="runs.search").input("withconn").run()
    assert at.dataframe[0].value["id"].tolist() == [conn]
    at.text_input(key="runs.search").input("no such run").run()
    assert at.dataframe[0].value.empty
    at.text_input(key="runs.search").input("").run()
    # a search that hid every run leaves the curve comparison as it was
    assert at.multiselect(key="runs.compare_ids").value == chosen
    at.multiselect(key="runs.dataset").select("digits").run()
    assert at.dataframe[0].value["dataset"].tolist() == ["digits"]
    assert any("1 of 2 runs" in c.value for c in at.caption)


def test_compare_options_and_use_these_settings_link(runs_dir: Path) -> None:
    _, conn, _plain = _store(runs_dir)
    at = _open(runs_dir)
    at.toggle(key="runs.log").set_value(True)
    at.toggle(key="runs.raw").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert "divided by their weights" in fig["layout"]["title"]["text"]
    conn_trace = next(t for t in fig["data"] if t["meta"][1] == "conn")
    assert conn_trace["y"] == [3000.0 / 20, 1600.0 / 20]  # raw L_η of the λ = 20 run
    at.selectbox[0].select(conn).run()
    link = next(p for p in at.get("page_link") if "Use these settings" in p.proto.label)
    query = link.proto.query_string if hasattr(link.proto, "query_string") else ""
    params = {k: v[0] for k, v in parse_qs(query).items()}
    linked = config_from_params(params)
    assert linked.loss.lambda_conn == 20.0 and linked.loss.eta == 1.5
    assert linked.train.seed == 7 and linked.data.name == "moons"
