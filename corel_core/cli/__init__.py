"""`python -m corel_core <command>`: the command line (main), one module per group of commands.

main builds the parser (the `train` flags come from the config schema); lab holds `oneclass`
and `toy`, taskdep the task-dependency experiment; sweeps live in corel_core.studies.sweep.cli.
"""

from __future__ import annotations

from corel_core.cli.main import add_setting_flags, config_from_args, main

__all__ = ["add_setting_flags", "config_from_args", "main"]
