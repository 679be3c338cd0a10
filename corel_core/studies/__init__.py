"""Multi-run experiments built from ordinary runs of the run store (sweeps on Ray, ...)."""
