"""``python -m model`` is the ``negotiate`` command."""

import sys

from model.cli import main

sys.exit(main())
