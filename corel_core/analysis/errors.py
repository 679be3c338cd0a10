"""The one error type of the connectivity lab: a request a person can fix."""

from __future__ import annotations


class LabError(ValueError):
    """A run, dataset or parameter the connectivity lab cannot work with, said in plain words."""
