"""What the process pool's fork server imports once: the worker module (and with it Mesa,
pandas and the model). ``gc.freeze()`` then moves those objects out of the collector's reach,
so the forked workers share their memory pages instead of copying them on the first
collection."""

import gc

import model.sweep.worker  # noqa: F401

gc.freeze()
