"""What the process pool's fork server imports once: the worker module (and with it Mesa,
pandas and the model), the modules a run imports lazily, and pycountry's database (read on
the first lookup when a scenario is validated). ``gc.freeze()`` then moves those objects out
of the collector's reach, so the forked workers share their memory pages instead of copying
them on the first collection."""

import gc

import pyarrow.pandas_compat  # noqa: F401  (pandas -> Arrow, on the first batch)
import pycountry

import model.ceasefire.phase  # noqa: F401  (imported inside run_one)
import sweep.worker  # noqa: F401

pycountry.countries.get(alpha_2="FR")
gc.freeze()
