"""corel: an interactive lab for topological representation learning (library part).

The library never imports Streamlit; the app in ``app.py``/``pages`` and the CLI in
``corel_core.cli`` are thin layers over it.
"""

__version__ = "0.1.0"
