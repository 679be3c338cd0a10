"""App-side helpers shared by the Streamlit pages (the library, corel_core, never imports these).

train_form: the Train form built from the config schema; urlstate: RunConfig ↔ URL query
parameters; charts: plotly chart config and selection events; session: the tab's token, owner
id and what it may change; jobs: heavy work in the worker pool and job buttons; train_live: the
Train page's own-job panel; run_actions: Stop/Delete/Resume of a stored run; oneclass_job: the
Density page's evaluation job.
"""
