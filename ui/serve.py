"""Serve the app the way `make run` does: `python -m ui.serve [streamlit run options]`.

The same server as `streamlit run app.py`, with two changes for a cold server's first visitor
(measured by `python -m corel_core bench first-run`):

- Streamlit's old `pages/`-folder mode is switched off before the first session. Otherwise the
  first request straight to a page runs that page alone and `pages._guard` reruns it through
  app.py's navigation, drawing it twice.
- The modules every first page needs (pandas, plotly and the Train page's parts) are imported in
  a background thread while the server starts, not inside the first visitor's render. A session
  that needs one of them sooner waits for it at its import (Python's per-module import lock).
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
#: imported while the server starts; pandas first (app.py imports it before any page)
PRELOAD = (
    "pandas",
    "plotly.graph_objects",
    "corel_core.data",
    "corel_core.presets",
    "ui.train_form",
    "ui.train_live",
    "ui.urlstate",
)


def preload(modules: tuple[str, ...] = PRELOAD) -> None:
    """Import `modules` in order; one that fails is left for the page to report."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the page that imports it shows the error
            return


def main(argv: list[str] | None = None) -> None:
    """Start Streamlit on app.py with `argv` (options of `streamlit run`)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # app.py's st.navigation decides every page
    threading.Thread(target=preload, name="corel-preload", daemon=True).start()
    args = sys.argv[1:] if argv is None else argv
    cli.main(["run", str(APP), *args], prog_name="streamlit")


if __name__ == "__main__":
    main()
