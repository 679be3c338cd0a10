"""The forkserver's first preload: it lowers its own CPU priority before importing torch, UMAP and
the rest, so that warming up at server start does not slow the first page renders, and every
worker forked from it runs below the web server (`worker.lower_priority`)."""

from corel_core.jobs.worker import lower_priority

lower_priority()
