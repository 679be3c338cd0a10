"""`python -m corel_core`: the command line."""

from corel_core.cli import main

raise SystemExit(main())
