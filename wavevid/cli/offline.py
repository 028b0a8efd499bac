"""The offline commands, which need no key and bill nothing: ``demo`` (a video made against a
built-in fake) and ``fake-server`` (the fake WaveSpeed API in the foreground)."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ..client import Client
from .exit_codes import ExitCode
from .jobs import report_result
from .progress import ProgressBar

DEMO_MODEL = "hunyuan-video-1.5"
DEMO_PROMPT = "a red fox running through fresh snow at dawn"
DEMO_OUTPUT = "wavevid-demo.mp4"
#: The demo's fake job runs this long, so the progress bar has something to show; the demo's
#: catalog amendment says so, so that the bar moves with it.
DEMO_PROCESSING_SECONDS = 3.0
DEMO_POLL_INTERVAL = 0.25
DEMO_CATALOG = """\
version: 1
models:
  {model}:
    extends: {model}
    expected_seconds: {seconds}
"""


def add_commands(commands: Any) -> None:
    """Add the offline commands to an argparse subparsers object."""
    demo = commands.add_parser("demo", help="generate a video offline, against a built-in fake")
    demo.add_argument("-o", "--output", metavar="FILE", default=DEMO_OUTPUT)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_demo, offline=True)

    fake = commands.add_parser(
        "fake-server",
        help="run the fake WaveSpeed API in the foreground, each request logged on stderr",
    )
    fake.add_argument("--port", type=int, default=0, help="default: any free port")
    fake.add_argument("--api-key", default="test-key", help="the key clients must send")
    fake.add_argument("--processing-seconds", type=float, default=5.0)
    fake.set_defaults(run=_fake_server, offline=True)


def _demo(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    from ..testing import FakeWaveSpeed

    out.write("Running offline: a built-in fake WaveSpeed server, no key, no network, no charge.\n")
    with tempfile.TemporaryDirectory() as folder, FakeWaveSpeed(
        processing_seconds=DEMO_PROCESSING_SECONDS
    ) as fake:
        amendment = DEMO_CATALOG.format(model=DEMO_MODEL, seconds=DEMO_PROCESSING_SECONDS)
        Path(folder, "demo.yaml").write_text(amendment, encoding="utf-8")
        # Built explicitly: WAVESPEED_* variables are ignored, a real key is never touched.
        client = Client(
            api_key=fake.api_key, base_url=fake.url, catalog_paths=[folder],
            poll_interval=DEMO_POLL_INTERVAL,
        )
        with client, ProgressBar(quiet=arguments.quiet) as bar:
            result = client.generate(
                DEMO_MODEL, {"prompt": DEMO_PROMPT}, output_path=arguments.output,
                progress_callback=bar,
            )
    report_result(result, out)
    out.write(
        "\nThat ran against the fake. To make a real video, get a key at"
        " https://wavespeed.ai/accesskey, then:\n"
        "  export WAVESPEED_API_KEY=...\n"
        f"  wavevid generate {DEMO_MODEL} --prompt '{DEMO_PROMPT}' -o fox.mp4\n"
    )
    return ExitCode.OK


def _fake_server(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    from ..testing import FakeWaveSpeed

    fake = FakeWaveSpeed(
        api_key=arguments.api_key,
        processing_seconds=arguments.processing_seconds,
        port=arguments.port,
    )
    with fake, _requests_on_stderr():
        out.write(
            f"FakeWaveSpeed on {fake.url} (key {fake.api_key!r}); Ctrl-C stops it.\n"
            f"  export WAVESPEED_BASE_URL={fake.url} WAVESPEED_API_KEY={fake.api_key}\n"
        )
        out.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            out.write("stopped\n")
    return ExitCode.OK


@contextmanager
def _requests_on_stderr() -> Iterator[None]:
    """One line per request the fake answers (time, method, path, status: never a header,
    so never the key) on stderr, while the fake runs."""
    from ..testing._http_server import request_log

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False  # shown once, even with WAVEVID_LOG on
    try:
        yield
    finally:
        request_log.removeHandler(handler)
        request_log.setLevel(logging.NOTSET)
        request_log.propagate = True
