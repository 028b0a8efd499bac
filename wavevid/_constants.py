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

#: Deepest nesting of lists and mappings in a catalog file, aliases expanded. The built-in files
#: nest 7 deep and a schema with objects in lists in objects about 15; everything that walks an
#: entry (merge, copy, jsonschema) recurses: an entry 64 levels deep needs about 400 of the
#: 1,000 frames Python allows, which leaves room for a web framework's stack around the call.
CATALOG_MAX_DEPTH = 64
#: Most values (keys, scalars, lists, mappings) in one catalog file once its aliases are
#: expanded. The largest built-in file holds 229 (five entries); 20,000 leaves room for
#: hundreds of entries per file, and a file at the limit still loads in well under a second
#: (meta-validation costs about 0.2 ms per subschema), while nested aliases ("billion laughs")
#: would otherwise multiply a file of a few hundred bytes into billions of values.
CATALOG_MAX_NODES = 20_000
#: Longest ``extends`` chain (an entry, its parent, its parent's parent...). The built-in
#: chains are 2 long; the bound keeps the merged catalog within this many times the YAML read.
CATALOG_MAX_EXTENDS = 16
#: Where a catalog schema sets ``pattern``, it must set a ``maxLength`` of at most this many
#: characters (``propertyNames.maxLength`` for ``patternProperties``), and the pattern never
#: runs on longer text: a slow pattern cannot spend seconds on a form field in a web worker.
#: Also written in catalog-schema.json (a test keeps the two equal).
CATALOG_PATTERN_MAX_LENGTH = 10_000

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
#: Where an account's API keys are made (named in the error about a missing key).
API_KEYS_URL = "https://wavespeed.ai/accesskey"
BASE_URL_ENV = "WAVESPEED_BASE_URL"
#: One of LOG_LEVELS switches on a stderr handler for the ``wavevid`` loggers at that level;
#: any other value is reported once on stderr and ignored.
LOG_ENV = "WAVEVID_LOG"
#: The values WAVEVID_LOG accepts (any case), lowest first.
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
#: Seconds between checks for clients made without ``poll_interval`` (default: the schedule
#: from each model's expected time), raised to the minimum gap unless the base URL is
#: loopback. Meant for tests against a fake.
POLL_INTERVAL_ENV = "WAVEVID_POLL_INTERVAL"

# --- HTTP ----------------------------------------------------------------------------------------

#: Seconds to open a TCP (and TLS) connection.
CONNECT_TIMEOUT = 10.0
#: Seconds one HTTP request may wait for the server's next bytes. Never a job deadline.
REQUEST_TIMEOUT = 30.0
#: Overall deadline of one API call (with its retries) when the caller gives none: a balance
#: look-up, a job refresh.
CALL_DEADLINE = 120.0
#: Retries of a safe request (a GET, or a POST that changes nothing billable).
MAX_RETRIES = 4
#: Retries of a submit, which is sent again only when provably not accepted (a 408, a 429, a
#: connection that could not be opened). Its own budget: riding out a per-minute start limit
#: takes waits of up to a minute.
SUBMIT_RETRIES = 4
#: WaveSpeed's start limit counts task starts per minute; a 429 on a submit that names no
#: Retry-After waits this long (seconds), within the job's deadline.
RATE_WINDOW_SECONDS = 60.0
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
#: Deepest nesting of lists and mappings in a request body (model inputs nest 3 deep at most);
#: a deeper one is an InvalidParametersError before any request, never a RecursionError while
#: it is encoded.
MAX_BODY_DEPTH = 64
#: A balance with this many digits before the point is no balance (``1e999999999`` would make
#: formatting it build a billion-digit string).
BALANCE_MAX_DIGITS = 15
#: Longest error body kept on an APIError (``.body``), in characters, after redaction.
ERROR_BODY_CHARS = 2000

# --- jobs ----------------------------------------------------------------------------------------

#: The overall deadline of generate() and Job.wait(): submit, queue and processing (seconds).
JOB_TIMEOUT = 900.0
#: Read timeout of a sync-mode submit, which holds the answer until the video is ready.
SYNC_READ_TIMEOUT = 150.0
#: The least time between two checks (GETs of a job's state, retries included) of one job by
#: one client, in seconds: WaveSpeed's published minimums for image and for video tasks (docs
#: page get-result, "Recommended polling intervals"). Every task outside IMAGE_TASKS, paths
#: outside the catalog included, gets MIN_VIDEO_CHECK_GAP. An
#: explicit poll interval below it is raised to it, except for loopback base URLs (a fake).
MIN_IMAGE_CHECK_GAP = 2.0
MIN_VIDEO_CHECK_GAP = 5.0
#: Catalog ``task`` values that are image tasks for the minimum gap.
IMAGE_TASKS = frozenset({"text-to-image", "image-to-image"})
#: Where checks go (``wavevid/_schedule.py``), from the expected run time E (learned, else the
#: catalog's) counted from when the job left the queue, never closer than the minimum gap:
#: the job likely ends within E * (1 +- RUN_TIME_SPREAD) (a guess); the first aimed check comes
#: CHECK_AIM_SECONDS after that window opens (not after it closes), the next ones every
#: max(gap, E * WINDOW_STEP_FRACTION) until it closes. Before it: a first check at
#: FIRST_CHECK_FRACTION * E, then steps of CHECK_STEP_FRACTION of the time run so far, as long as
#: a gap is left before the aimed check. After it: the same growing steps. No step exceeds
#: MAX_CHECK_STEP. A queued job is checked every max(gap, E * QUEUED_CHECK_FRACTION).
RUN_TIME_SPREAD = 0.10
CHECK_AIM_SECONDS = 2.0
WINDOW_STEP_FRACTION = 0.04
FIRST_CHECK_FRACTION = 0.5
CHECK_STEP_FRACTION = 0.11
MAX_CHECK_STEP = 30.0
QUEUED_CHECK_FRACTION = 0.125
#: A planned check that the gap pushes later (the previous check answered late, a sleep
#: overslept) moves by up to this many seconds instead of giving way to the next planned one.
CHECK_SLIP = 1.0
#: Jobs whose last check is older than the minimum gap are forgotten once a client has checked
#: more than this many jobs recently.
CHECK_LOG_ENTRIES = 256
#: Run times learned on the client (``Client.run_time_estimates()``): per model path and timing
#: parameters, the median of the last RUN_TIME_SAMPLES completed jobs, kept within
#: [E / RUN_TIME_CLAMP, E * RUN_TIME_CLAMP] of the catalog's expected time E; at most
#: RUN_TIME_KEYS keys, the least recently fed dropped first.
RUN_TIME_SAMPLES = 7
RUN_TIME_CLAMP = 4.0
RUN_TIME_KEYS = 256
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
#: Largest download kept in memory (``generate()`` without ``output_path``, ``generate_video``),
#: in decoded bytes: a larger announced length fails before the body is read, a longer body when
#: it passes the limit. ``Client(max_download_memory_bytes=...)`` changes it.
MAX_DOWNLOAD_MEMORY_BYTES = 1024**3
#: Largest download saved to a file, in decoded bytes, enforced the same way.
#: ``Client(max_download_file_bytes=...)`` changes it.
MAX_DOWNLOAD_FILE_BYTES = 8 * 1024**3
#: Redirects one download request follows: to https, or to http from one loopback host to
#: another (a local fake). requests never follows them: it would read each redirect's whole body.
DOWNLOAD_MAX_REDIRECTS = 3
#: Deadline of one upload (seconds).
UPLOAD_TIMEOUT = 600.0
#: Bytes read from a local file (or sliced from bytes) and sent at once while uploading.
UPLOAD_CHUNK_BYTES = 256 * 1024
#: A stream that cannot seek (a pipe, a socket) is copied to a temporary file first, to learn
#: its size before announcing it; up to this many bytes stay in memory, beyond it goes to disk.
UPLOAD_SPOOL_MEMORY_BYTES = 1024 * 1024

# --- batches -------------------------------------------------------------------------------------

#: Jobs in flight at once in generate_many: the entry account tier's concurrency, and its start
#: limit per minute for videos (higher tiers allow far more; see docs/python-api.md).
BATCH_WORKERS = 2
#: After an uncertain submit, generate() looks for the job in the history this many seconds after
#: the failure (within the job's deadline); ``Client(recovery_delays=...)`` changes them.
RECOVERY_DELAYS = (2.0, 10.0, 30.0)
#: WaveSpeed keeps jobs and their outputs this long (seconds): 7 days.
JOB_RETENTION_SECONDS = 7 * 24 * 3600.0
#: A server ``Date`` this far (seconds) from our clock is a wrong header, not a clock offset:
#: ignored for an uncertain submit's window.
MAX_CLOCK_OFFSET = 3600.0
#: Seconds added to the measured clock offset (the server's ``Date`` minus ours) on each side of
#: an uncertain submit's window, for the history's ``created_at``.
RECOVERY_CLOCK_SLACK = 2.0
#: Body keys that steer the request rather than the model; never compared when identifying a job.
TRANSPORT_FLAGS = frozenset({"enable_sync_mode"})
#: History paging stops after this many pages, whatever the server says.
HISTORY_MAX_PAGES = 50
#: Billing records asked for when looking up one job's charge (``Client.charge``): one page; a
#: job has a deduct and perhaps a refund (the documented page size is 1 to 100).
BILLING_PAGE_SIZE = 20
#: A price or charge with this many digits before the point is no amount (as for the balance);
#: one with more digits after it is rounded to this many (``1e-999999999`` would print a billion
#: zeros).
PRICE_MAX_DIGITS = 15

# --- async callers -------------------------------------------------------------------------------

#: Threads of an ``AsyncClient``'s own executor (``max_threads``), where its HTTP requests and
#: file I/O run; never the event loop's default executor, which the application shares. Waits
#: between checks hold none: they are ``asyncio.sleep``.
ASYNC_MAX_THREADS = 8
#: After a cancelled call cuts its work in the executor short (sockets shut, sleeps woken), how
#: long it waits for that work to end (its ``.part`` file removed) before ``CancelledError``
#: goes on (seconds). Cut work ends in milliseconds; the bound covers a DNS look-up, which no
#: deadline can cut.
ASYNC_CANCEL_GRACE = 2.0
#: Once an async call's work is done, how long it waits for a coroutine progress callback still
#: running (and for the final ``(1.0, "done")`` call) before dropping it, logged (seconds). A
#: callback never holds up the job: while one call runs, only the latest report waits.
ASYNC_CALLBACK_GRACE = 2.0

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
