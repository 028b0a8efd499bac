"""Every default wavevid uses, in one place.

Numbers that are guesses about the remote service say so; change them here, nowhere else.
"""

from __future__ import annotations

# --- catalog -------------------------------------------------------------------------------------

#: The catalog file format this version reads (``version:`` at the top of each YAML file).
CATALOG_FORMAT_VERSION = 1

#: Environment variable naming extra catalog folders, separated by ``os.pathsep``.
CATALOG_PATH_ENV = "WAVEVID_CATALOG_PATH"

#: File name endings read as catalog files.
CATALOG_FILE_SUFFIXES = (".yaml", ".yml")

#: The input parameter that states how many seconds of video a job produces. Per-second prices
#: and expected run times are computed from it.
OUTPUT_SECONDS_PARAMETER = "duration"

#: Expected run time of a job whose catalog entry gives none (seconds, guessed).
DEFAULT_EXPECTED_SECONDS = 60.0

#: Output length assumed for timing when neither the input nor the caller states one (seconds).
#: Used only to schedule polls and progress, never to estimate a price.
ASSUMED_OUTPUT_SECONDS = 10.0

#: How many close matches an unknown model name suggests.
CLOSE_MATCHES = 3

#: Longest rendering of a parameter value inside an error message, in characters.
ERROR_VALUE_CHARS = 60
