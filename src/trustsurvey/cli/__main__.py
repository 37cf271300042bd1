"""``python -m trustsurvey.cli``: the same as the ``trustsurvey`` command."""

import sys

from . import main

sys.exit(main())
