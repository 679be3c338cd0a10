"""Train page layout (issue #14): changed sections open, Start above the form, upload notes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from corel_core.config import RunConfig
from corel_core.data import save_upload
from corel_core.data.uploads import describe_upload
from corel_core.presets import PRESETS
from ui.train_form import changed_groups, values_from_config

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_changed_groups_compare_with_the_preset_start() -> None:
    assert changed_groups(values_from_config(RunConfig())) == set()
    linked = RunConfig().with_texts({"lambda-conn": "20", "epochs": "5"})
    assert changed_groups(values_from_config(linked)) == {"Connectivity", "Optimiser"}
    name, preset = next(iter(PRESETS.items()))
    assert changed_groups(values_from_config(preset.config)) == set(), name
    assert changed_groups({"form.loss.eta": "not a number"}) == set()


def _expanded(at: AppTest) -> dict[str, bool]:
    return {e.proto.label: e.proto.expanded for e in at.expander}


def test_a_link_opens_the_sections_it_changes(runs_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lambda-conn"] = "20"
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _expanded(at)["Connectivity"] is True
    assert _expanded(at)["Loss"] is False


def test_default_form_keeps_unchanged_sections_closed(runs_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py").run()
    shown = _expanded(at)
    assert shown["Connectivity"] is False and shown["Data"] is True


def test_upload_description_names_rows_range_and_decoder() -> None:
    x = np.random.default_rng(0).uniform(-3.0, 7.0, size=(50, 3))
    buf = io.StringIO()
    np.savetxt(buf, x, delimiter=",", header="a,b,c", comments="")
    name = save_upload("wide.csv", buf.getvalue().encode())
    text = describe_upload(name)
    assert "50 rows × 3 features" in text
    assert "Decoder auto → Gaussian" in text and "outside [0, 1]" in text
    assert "refuses" in describe_upload(name, decoder="bernoulli")


def test_a_link_with_bad_settings_applies_the_good_ones_and_names_each_bad_one(
    runs_dir: Path,
) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in {"lambda-conn": "20", "epochs": "many", "eta": "0", "seed": "4"}.items():
        at.query_params[name] = value
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="form.loss.lambda_conn").value == 20.0
    assert at.number_input(key="form.train.seed").value == 4
    assert at.number_input(key="form.train.epochs").value == RunConfig().train.epochs
    (warning,) = [w.value for w in at.warning if "link" in w.value]
    assert "setting epochs" in warning and "setting eta" in warning, warning
