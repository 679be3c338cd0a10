"""Sweeps: grids of ordinary runs (settings × seeds) run as Ray Tune trials, then tabulated.

`spec` reads a grid and checks every trial's RunConfig; `store` keeps sweeps beside the runs
they make; `trial` is what one worker runs; `engine` hands the trials to Ray Tune (Ray is
imported only there, only when a sweep runs); `results` turns records into tables; `launch`
starts a sweep from the app in its own process; `cli` is `python -m corel_core sweep`.
"""

from corel_core.studies.sweep.spec import SweepError, SweepSpec, Trial, parse_grid, parse_n
from corel_core.studies.sweep.store import Sweep, SweepStore, validate_sweep_id

__all__ = [
    "Sweep",
    "SweepError",
    "SweepSpec",
    "SweepStore",
    "Trial",
    "parse_grid",
    "parse_n",
    "validate_sweep_id",
]
