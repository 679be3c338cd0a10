"""ui.charts: the plotly toolbar config and reading plotly selection events."""

from __future__ import annotations

from ui.charts import FIGURE_CONFIG, selected_rows


def test_figure_config_downloads_png_at_twice_the_size() -> None:
    assert FIGURE_CONFIG["toImageButtonOptions"] == {
        "format": "png",
        "filename": "corel-figure",
        "scale": 2,
    }
    assert FIGURE_CONFIG["displaylogo"] is False


def test_selected_rows_in_click_order_without_repeats() -> None:
    points = [{"customdata": 4}, {"customdata": [7]}, {"customdata": 4}, {"x": 1}]
    assert selected_rows(points) == [4, 7]
    assert selected_rows([{"customdata": []}]) == []
    assert selected_rows(None) == []
