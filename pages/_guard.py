"""Route every page through app.py's navigation, even on a fresh server's very first request."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Make sure app.py's `st.navigation` (sections, titles, wide layout) drives this page.

    Streamlit treats a `pages/` folder beside the entry point as its old multipage layout until
    `st.navigation` has run once in the process, so a first visit straight to /train would run the
    page alone. Switch that off and, on a session's first render, rerun: the rerun goes through
    app.py. (Never on a later render: a rerun would swallow the click that caused it.)
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if not st.session_state:
            st.rerun()
