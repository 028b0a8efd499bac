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

# --- the service ---------------------------------------------------------------------------------

DEFAULT_BASE_URL = "https://api.wavespeed.ai"
API_PREFIX = "/api/v3"
API_KEY_ENV = "WAVESPEED_API_KEY"
BASE_URL_ENV = "WAVESPEED_BASE_URL"
#: ``debug`` or ``info`` switches on a stderr handler for the ``wavevid`` loggers.
LOG_ENV = "WAVEVID_LOG"
#: Seconds between polls for clients made without ``poll_interval`` (default: the schedule
#: from each model's expected time). Meant for tests against a fake.
POLL_INTERVAL_ENV = "WAVEVID_POLL_INTERVAL"

# --- HTTP ----------------------------------------------------------------------------------------

#: Seconds to open a TCP (and TLS) connection.
CONNECT_TIMEOUT = 10.0
#: Seconds one HTTP request may wait for the server's next bytes. Never a job deadline.
REQUEST_TIMEOUT = 30.0
#: Overall deadline of one API call (with its retries) when the caller gives none: a balance
#: look-up, a job refresh.
CALL_DEADLINE = 120.0
#: Retries of a safe request (GETs; submits only when provably not accepted).
MAX_RETRIES = 4
#: Backoff before retry n (0-based): min(cap, base * 2**n), times a jitter factor in
#: [1 - BACKOFF_JITTER, 1].
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
BACKOFF_JITTER = 0.5
#: A submit reuses a pooled connection only if it was used this recently; older ones may have
#: been closed by the server in the meantime, which would make the submit's fate uncertain.
FRESH_CONNECTION_SECONDS = 2.0
#: Connections kept per host in each thread's pool.
POOL_MAXSIZE = 2
#: Bytes read at once from a response body.
READ_CHUNK_BYTES = 64 * 1024
#: Largest JSON body accepted from the API (bytes).
MAX_JSON_BYTES = 16 * 1024 * 1024

# --- jobs ----------------------------------------------------------------------------------------

#: The overall deadline of generate() and Job.wait(): submit, queue and processing (seconds).
JOB_TIMEOUT = 900.0
#: Read timeout of a sync-mode submit, which holds the answer until the video is ready.
SYNC_READ_TIMEOUT = 150.0
#: Polls while the job runs, relative to its expected time E (after it leaves the queue):
#: every min(EARLY_POLL_CAP, E * EARLY_POLL_FRACTION) s until E (a cap that keeps a job that
#: finishes at E/2 found within about a second), one poll at E, then every LATE_POLL_MIN s
#: growing by LATE_POLL_GROWTH per poll, up to LATE_POLL_CAP. Measured in docs/benchmarks.md.
EARLY_POLL_FRACTION = 0.25
EARLY_POLL_CAP = 2.5
LATE_POLL_MIN = 1.0
LATE_POLL_GROWTH = 1.15
LATE_POLL_CAP = 5.0
#: No two polls closer than this (seconds), whatever the schedule says.
MIN_POLL_INTERVAL = 0.5
#: How often a progress callback hears about time passing between polls (seconds).
PROGRESS_TICK = 1.0
#: Share of the progress bar for the job; the download fills the rest.
JOB_PROGRESS_SHARE = 0.9

# --- downloads and uploads -----------------------------------------------------------------------

#: Deadline of one output download (seconds); separate from the job's.
DOWNLOAD_TIMEOUT = 600.0
#: Times a cut download is resumed with a Range request before giving up.
DOWNLOAD_RESUMES = 3
#: Bytes read at once while downloading.
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
#: Deadline of one upload (seconds).
UPLOAD_TIMEOUT = 600.0
#: Bytes read from a local file (or sliced from bytes) and sent at once while uploading.
UPLOAD_CHUNK_BYTES = 256 * 1024
#: A stream that cannot seek (a pipe, a socket) is copied to a temporary file first, to learn
#: its size before announcing it; up to this many bytes stay in memory, beyond it goes to disk.
UPLOAD_SPOOL_MEMORY_BYTES = 1024 * 1024

# --- batches -------------------------------------------------------------------------------------

#: Jobs in flight at once in generate_many (the default account tier allows 3 concurrent tasks).
BATCH_WORKERS = 3
#: find_submission looks at jobs created from this long before the uncertain submit (seconds):
#: our clock and WaveSpeed's may differ.
FIND_SUBMISSION_SLACK = 120.0

# --- webhooks ------------------------------------------------------------------------------------

#: Largest accepted difference between a delivery's ``webhook-timestamp`` and our clock, in
#: either direction (seconds). WaveSpeed's documented maximum age.
WEBHOOK_TOLERANCE = 300.0
#: The signature scheme version WaveSpeed writes in ``webhook-signature: v3,<hex>``.
WEBHOOK_SIGNATURE_VERSION = "v3"
#: The prefix of a WaveSpeed webhook secret; the key is the rest, as raw UTF-8 bytes.
WEBHOOK_SECRET_PREFIX = "whsec_"
#: The headers of a signed delivery (lowercase).
WEBHOOK_ID_HEADER = "webhook-id"
WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp"
WEBHOOK_SIGNATURE_HEADER = "webhook-signature"
#: Longest ``webhook-timestamp`` value read, in digits (Unix seconds have 10 until 2286).
WEBHOOK_TIMESTAMP_DIGITS = 12

# --- catalog sync --------------------------------------------------------------------------------

#: How long the fetched live model list is reused from the disk cache (seconds).
LIVE_MODELS_MAX_AGE = 3600.0
#: Environment variable naming the cache folder (default ~/.cache/wavevid).
CACHE_DIR_ENV = "WAVEVID_CACHE_DIR"
