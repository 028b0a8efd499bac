"""``python -m wavevid.cli``: the same as the ``wavevid`` command (and ``python -m wavevid``)."""

import sys

from . import main

if __name__ == "__main__":  # imported (pkgutil.walk_packages), it runs nothing
    sys.exit(main())
