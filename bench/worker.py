"""The child process of rows that measure one client alone in a fresh interpreter.

python bench/worker.py NAME JSON_ARGS     # prints the result as one JSON line
"""

from __future__ import annotations

import json
import sys

from rows_batch import batch
from rows_download import download
from rows_sequential import sequential

WORKERS = {"batch": batch, "download": download, "sequential": sequential}

if __name__ == "__main__":
    print(json.dumps(WORKERS[sys.argv[1]](json.loads(sys.argv[2]))))
