"""``python -m wavevid``: the same as the ``wavevid`` command."""

import sys

from .cli import main

sys.exit(main())
