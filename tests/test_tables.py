"""Tables show words, not field names (issue #14)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

SCRIPT = """
from ui.tables import show_table
show_table(
    [{"cloud": "batch", "share_below_eta": 0.25, "h1_bars": 3, "odd_field": 1}],
    {"cloud": "Point cloud"},
)
"""


def test_headers_are_words_and_shares_percent(tmp_path: Path) -> None:
    at = AppTest.from_string(SCRIPT).run()
    assert not at.exception
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["cloud"]["label"] == "Point cloud"  # a page's own header wins
    assert config["share_below_eta"]["label"] == "Share of deaths below η"
    assert config["share_below_eta"]["type_config"]["format"] == "percent"
    assert config["h1_bars"]["label"] == "H1 bars"
    assert config["odd_field"]["label"] == "odd field"  # unknown names lose their underscores
