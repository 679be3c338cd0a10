"""Hardening, untrusted files: no unpickling, no path escapes, capped uploads, XSRF left on, caps.

The malicious pickle below really does run code when unpickled (checked first, in a sandbox
folder), so "the marker was not written" means corel refused it, not that the payload was inert.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from corel_core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.data import DataError, list_uploads, load_dataset, save_upload
from corel_core.data.upload import DEFAULT_MAX_BYTES
from corel_core.data.uploads import upload_path
from corel_core.density import DensityError, GaussianKDE
from corel_core.density.kde import MAX_FIT_POINTS
from corel_core.embedding import (
    DEFAULT_CAPS,
    HARD_CAPS,
    MAX_INPUT_POINTS,
    EmbeddingError,
    project,
)
from corel_core.store import RunError, RunStore
from corel_core.topology import TopologyError, diagrams, vr0_persistence
from corel_core.topology.diagrams import MAX_POINTS_BY_DIM
from corel_core.topology.persistence import MAX_POINTS as MAX_VR0_POINTS
from corel_core.training.runner import load_trained_model, train_run

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the project runs on 3.11
REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


class WritesMarker:
    """Unpickling this object writes a file: the classic pickle payload."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def tiny_run(store: RunStore) -> str:
    config = RunConfig(
        data=DataConfig(name="moons", limit=100),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=1, batch_size=50),
    )
    return train_run(config, store).run.id


@pytest.mark.parametrize("container", ["raw pickle", "torch.save"])
def test_malicious_weights_are_refused_and_never_run(
    runs_dir: Path, tmp_path: Path, container: str
) -> None:
    proof = tmp_path / "proof"
    pickle.loads(pickle.dumps(WritesMarker(proof)))  # the payload works when unpickled
    assert proof.read_text() == "pwned"

    store = RunStore(runs_dir)
    run = store.get(tiny_run(store))
    marker = tmp_path / "marker"
    weights = run.path / "weights" / "last.pt"
    if container == "raw pickle":
        weights.write_bytes(pickle.dumps({"encoder.0.weight": WritesMarker(marker)}))
    else:
        torch.save({"encoder.0.weight": WritesMarker(marker)}, weights)
    with pytest.raises(RunError, match="not a plain tensor file"):
        run.load_weights("last")
    with pytest.raises(ValueError):
        load_trained_model(run)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/runs.py").run()
    at.selectbox[0].select(run.id).run()  # the page offers the file, it never loads it
    assert not at.exception, [e.value for e in at.exception]
    assert not marker.exists()


def test_latents_with_object_arrays_are_refused(runs_dir: Path, tmp_path: Path) -> None:
    store = RunStore(runs_dir)
    run = store.get(tiny_run(store))
    objects = np.empty(2, dtype=object)
    objects[:] = [WritesMarker(tmp_path / "marker"), "x"]
    np.savez(run.path / "latents.npz", z=objects)
    with pytest.raises(RunError, match="unreadable"):
        run.load_latents()
    with pytest.raises(RunError):
        run.save_latents(z=objects)  # and corel never writes one
    assert not (tmp_path / "marker").exists()


ESCAPES = [
    "..",
    "../x",
    "/etc/passwd",
    "20260101-000000-a-b-abcd/../../victim",
    "20260101-000000-a-abcd/..",
    "./20260101-000000-a-abcd",
    "20260101-000000-a-abcd\x00",
    "",
]


@pytest.mark.parametrize("run_id", ESCAPES)
def test_run_ids_cannot_leave_the_store(runs_dir: Path, tmp_path: Path, run_id: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    store = RunStore(runs_dir)
    for call in (store.get, store.delete):
        with pytest.raises(RunError):
            call(run_id)
    assert victim.is_dir() and not store.exists(run_id)


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=60))
def test_any_run_id_stays_inside_the_store(text: str) -> None:
    store = RunStore("/nonexistent-corel-root")
    try:
        path = store._path(text)
    except RunError:
        return
    assert path.parent == store.root and "/" not in text and ".." not in text


@pytest.mark.parametrize("tag", ["../last", "/abs", "a/b", "..", ""])
def test_weight_tags_and_array_names_cannot_leave_the_run(runs_dir: Path, tag: str) -> None:
    store = RunStore(runs_dir)
    run = store.get(tiny_run(store))
    with pytest.raises(RunError):
        run.save_weights({"w": torch.zeros(1)}, tag)
    with pytest.raises(RunError):
        run.save_array(tag, np.zeros(2))


def _good_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x=np.random.default_rng(0).normal(size=(20, 2)))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "filename", ["../../evil.npz", "/etc/cron.d/evil.npz", "..\\..\\evil.npz", "a/../../b.npz"]
)
def test_upload_names_cannot_leave_the_uploads_folder(tmp_path: Path, filename: str) -> None:
    name = save_upload(filename, _good_npz())
    path = upload_path(name)
    assert path.parent == Path(tmp_path / "uploads") and path.is_file()
    assert not list(tmp_path.parent.glob("evil*")) and not Path("/etc/cron.d/evil.npz").exists()


@pytest.mark.parametrize(
    "name", ["upload:../runs/x.npz", "upload:/etc/passwd", "upload:.hidden.npz", "upload:"]
)
def test_upload_dataset_names_are_validated(name: str) -> None:
    with pytest.raises(DataError):
        load_dataset(DataConfig(name=name))


def test_uploads_are_capped_and_the_cap_matches_the_server() -> None:
    with pytest.raises(DataError, match="limit"):
        save_upload("big.npz", _good_npz(), max_bytes=100)
    assert list_uploads() == []
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == DEFAULT_MAX_BYTES


def test_xsrf_protection_is_left_on() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True


# -- caps on the heavy numeric routines --------------------------------------------------------
@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_projections_refuse_inputs_above_their_cap(method: str) -> None:
    too_many = np.zeros((MAX_INPUT_POINTS + 1, 2), dtype=np.float32)
    with pytest.raises(EmbeddingError, match=f"{MAX_INPUT_POINTS:,}"):
        project(too_many, method)
    assert DEFAULT_CAPS[method] < MAX_INPUT_POINTS  # and heavy methods subsample well below it


def test_tsne_subsamples_above_its_cap_and_says_so() -> None:
    x = np.random.default_rng(0).normal(size=(120, 3))
    result = project(x, "tsne", max_points=60, perplexity=10, max_iter=250)
    assert result.n_used == 60 and len(result.indices) == 60 and "60" in result.note


def test_kde_refuses_inputs_above_its_cap() -> None:
    with pytest.raises(DensityError, match=f"{MAX_FIT_POINTS:,}"):
        GaussianKDE(bandwidth=1.0).fit(np.zeros((MAX_FIT_POINTS + 1, 1)))
    kde = GaussianKDE(bandwidth=1.0).fit(np.zeros((MAX_FIT_POINTS, 1)))
    with pytest.raises(DensityError, match="pairs"):
        kde.score_samples(np.zeros((MAX_FIT_POINTS, 1)))


def test_persistence_diagrams_cap_their_work() -> None:
    x = np.random.default_rng(0).normal(size=(300, 2))
    result = diagrams(x, max_dim=1, max_points=50)
    assert result.n_used == 50 and result.n_total == 300 and result.subsampled
    with pytest.raises(TopologyError, match="3"):
        diagrams(x, max_dim=4)
    for dim, cap in MAX_POINTS_BY_DIM.items():  # asking for more work than the cap is refused
        with pytest.raises(TopologyError, match=f"{cap + 1:,}.*cap of {cap:,}"):
            diagrams(x, max_dim=dim, max_points=cap + 1)
    assert diagrams(x, max_dim=3).n_used == MAX_POINTS_BY_DIM[3]  # the default respects the cap


def test_zero_dim_persistence_refuses_clouds_above_its_cap() -> None:
    with pytest.raises(TopologyError, match=f"{MAX_VR0_POINTS + 1:,} points"):
        vr0_persistence(torch.zeros(MAX_VR0_POINTS + 1, 1))


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_projection_subsample_override_is_capped(method: str) -> None:
    x = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(EmbeddingError, match=f"{HARD_CAPS[method]:,}"):
        project(x, method, max_points=HARD_CAPS[method] + 1)
