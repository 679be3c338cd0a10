"""App-side helpers shared by the Streamlit pages (the library, corel_core, never imports these).

train_form: the Train form built from the config schema; urlstate: RunConfig ↔ URL query
parameters; charts: plotly chart config and selection events.
"""
