"""``python -m geolage`` runs the ``geolage`` command."""

import sys

from .cli import main

sys.exit(main())
