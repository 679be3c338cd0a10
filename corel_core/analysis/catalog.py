"""Which runs the analysis pages can offer, and short labels that tell them apart."""

from __future__ import annotations

from corel_core.store import Run, RunStore

USABLE = ("completed", "stopped", "diverged", "interrupted")


def run_label(run: Run) -> str:
    """ "<name or id> · dataset · model · λ=…, η=…" for select boxes."""
    cfg = run.config
    name = run.name or run.id
    return (
        f"{name} · {cfg.data.name} · {cfg.model.kind} · λ={cfg.loss.lambda_conn:g}, "
        f"η={cfg.loss.eta:g}"
    )


def analysable_runs(store: RunStore) -> dict[str, str]:
    """id -> label of finished (or stopped) runs that have cached latents, newest first."""
    out: dict[str, str] = {}
    for summary in store.list():
        if summary.status not in USABLE:
            continue
        run = store.get(summary.id)
        if run.has_latents():
            out[summary.id] = run_label(run)
    return out
