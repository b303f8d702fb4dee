"""``python -m negotiate`` is the ``negotiate`` command."""

import sys

from negotiate.main import main

sys.exit(main())
