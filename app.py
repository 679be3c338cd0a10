"""corel: the Streamlit entry point. Run with `make run` (or `streamlit run app.py`).

Streamlit re-executes this script on every interaction; `st.navigation` then runs the chosen
page's file. Pages are thin: they read widgets, call `corel_core` and show its figures.
"""

from __future__ import annotations

# Finish importing pandas before any page builds a figure: plotly looks pandas up in
# sys.modules without the import lock, so a session that imported it lazily while another built
# a chart handed that one a half-initialised module (seen with 16 sessions at once). Every
# session runs this file first, and a second importer waits here until pandas is complete.
import pandas  # noqa: F401
import streamlit as st

from ui.session import keep_in_url

#: Less empty space around the pages, so a 1024 × 768 window keeps room for the Train form: the
#: default wide layout pads 6rem above and 5rem beside the content.
COMPACT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; padding-bottom: 3rem; }
@media (max-width: 1200px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; }
}
</style>"""


def build_navigation() -> st.navigation:
    """The page list, grouped the way a person works: start, train, analyse."""
    pages = {
        "Start": [
            st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        ],
        "Train": [
            st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
            st.Page("pages/runs.py", title="Runs", icon=":material/folder_open:"),
            st.Page("pages/sweeps.py", title="Sweeps", icon=":material/grid_view:"),
        ],
        "Analyse": [
            st.Page("pages/persistence.py", title="Persistence", icon=":material/bubble_chart:"),
            st.Page("pages/kde.py", title="Density", icon=":material/blur_on:"),
            st.Page("pages/taskdep.py", title="Task dependency", icon=":material/call_split:"),
        ],
        "Learn": [
            st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
            st.Page("pages/explorer.py", title="Latent explorer", icon=":material/explore:"),
        ],
    }
    return st.navigation(pages)


def main() -> None:
    st.set_page_config(page_title="corel", page_icon=":material/hub:", layout="wide")
    keep_in_url()  # this tab's session token survives page changes and reloads (ui.session)
    st.html(COMPACT_CSS)
    try:
        build_navigation().run()
    finally:
        keep_in_url()  # pages that rewrite their own URL parameters drop it


main()
