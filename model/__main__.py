"""``python3 -m model`` is kept as another name of the ``negotiate`` command (it was its
name before the command line moved to :mod:`negotiate`). An entry point only: nothing
imports this module, so it is outside the core's layer rules (tests/test_layers.py)."""

import sys

from negotiate.main import main

sys.exit(main())
