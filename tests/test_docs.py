# Runs the examples in README.md and every docs/*.md file: one test per document.
#
# The convention a document follows:
# - A fenced ```yaml block whose first line is `# file: <relative path>` is written to that path
#   inside a fresh temporary directory for the document, when the reader reaches it: blocks are
#   handled in document order, and a later block may overwrite the same file. Other yaml blocks
#   are illustrations and are not written.
# - Fenced ```python blocks are executed in document order, in one namespace per document, with
#   that temporary directory as the working directory.
# - A block directly preceded by the line `<!-- not-run -->` is skipped.
# - docs/django.md is the exception: its python blocks are all not-run (they need a configured
#   Django project), and each one, whose first line is `# <file>`, must appear line for line
#   (indentation aside) in that file of examples/django_project, whose own tests run it.
# - In fenced ```console blocks, each line starting with `$ ` whose command (after any last
#   `&&`) is `wavevid ...` is run in-process through wavevid.cli.main, against a
#   FakeWaveSpeed that the WAVESPEED_* variables point to, with fast polling. It must exit 0,
#   or with the code a trailing `# exit N` states. Other lines are the output shown; not checked.
# - Blocks in any other language (text, json, ...) are ignored.
# - Fences start at the beginning of a line: ```LANGUAGE opens a block, ``` alone closes it.
#
# A failing example reports the document, the line of its block's opening fence, and the
# traceback (whose line numbers are the document's own). WAVEVID_* and WAVESPEED_* variables are
# removed while a document runs; variables an example sets are removed again afterwards.

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shlex
import traceback
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXIT_MARK = re.compile(r"\s#\s*exit\s+(\d+)\s*$")
NOT_RUN = "<!-- not-run -->"
FENCE = "```"
FILE_MARK = re.compile(r"#\s*file:\s*(\S.*?)\s*")
ISOLATED_PREFIXES = ("WAVEVID_", "WAVESPEED_")


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced code block of a document."""

    language: str
    line: int
    """The 1-based line of the opening fence."""
    text: str
    skipped: bool


def read_blocks(document: Path) -> list[Block]:
    """The fenced blocks of ``document``, in order."""
    lines = document.read_text("utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = lines[index]
        if not opening.startswith(FENCE):
            index += 1
            continue
        info = opening[len(FENCE) :].split()
        end = next((i for i in range(index + 1, len(lines)) if lines[i].rstrip() == FENCE), None)
        if end is None:
            problem = f"{document.name}: the code block at line {index + 1} is never closed"
            pytest.fail(problem, pytrace=False)
        skipped = index > 0 and lines[index - 1].strip() == NOT_RUN
        text = "".join(f"{line}\n" for line in lines[index + 1 : end])
        blocks.append(Block(info[0].lower() if info else "", index + 1, text, skipped))
        index = end + 1
    return blocks


def write_file(document: Path, block: Block, root: Path) -> None:
    """Write a ``# file:`` yaml block under ``root``; other yaml blocks are left alone."""
    first_line = block.text.partition("\n")[0].strip()
    mark = FILE_MARK.fullmatch(first_line)
    if mark is None:
        return
    relative = Path(mark[1])
    target = (root / relative).resolve()
    if relative.is_absolute() or not target.is_relative_to(root.resolve()):
        where = f"{document.name}: the yaml block at line {block.line}"
        pytest.fail(f"{where} must name a path inside the document's directory", pytrace=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.text, "utf-8")


def run_python(document: Path, block: Block, namespace: dict[str, Any]) -> None:
    """Execute a python block; a failure names the document and the block's line."""
    # Blank lines in front, so that tracebacks give the document's own line numbers.
    source = "\n" * block.line + block.text
    try:
        exec(compile(source, str(document), "exec"), namespace)
    except Exception as error:
        frames = error.__traceback__.tb_next if error.__traceback__ else None
        trace = "".join(traceback.format_exception(type(error), error, frames))
    else:
        return
    # Outside the except clause, so the report is not prefixed by the chained original error.
    where = f"{document.name}: the python block at line {block.line} failed"
    pytest.fail(f"{where}:\n{trace}", pytrace=False)


class ShellRunner:
    """Runs a document's ``wavevid`` command lines against one fake, started on first use."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._fake: Any = None

    def run(self, document: Path, block: Block) -> None:
        for offset, line in enumerate(block.text.splitlines(), start=1):
            command = line[2:].split("&&")[-1] if line.startswith("$ ") else ""
            expected = EXIT_MARK.search(command)
            command = EXIT_MARK.sub("", command)
            argv = shlex.split(command, comments=True)
            if argv[:1] != ["wavevid"]:
                continue
            self._start()
            code = self._main(argv[1:])
            wanted = int(expected[1]) if expected else 0
            if code != wanted:
                where = f"{document.name}, line {block.line + offset}: `{command.strip()}`"
                pytest.fail(f"{where} exited {code}, not {wanted}", pytrace=False)

    def _main(self, argv: list[str]) -> int:
        from wavevid.cli import main

        return main(argv)

    def _start(self) -> None:
        if self._fake is not None:
            return
        import wavevid
        from wavevid.cli import inputs, offline
        from wavevid.testing import FakeWaveSpeed

        self._fake = FakeWaveSpeed(processing_seconds=0.05).start()
        self._monkeypatch.setenv("WAVESPEED_API_KEY", self._fake.api_key)
        self._monkeypatch.setenv("WAVESPEED_BASE_URL", self._fake.url)
        self._monkeypatch.setenv("WAVEVID_CACHE_DIR", str(Path.cwd() / ".wavevid-cache"))

        def fast_client(arguments: argparse.Namespace) -> wavevid.Client:
            return wavevid.Client(catalog_paths=arguments.catalog, poll_interval=0.01)

        self._monkeypatch.setattr(inputs, "client_for", fast_client)
        self._monkeypatch.setattr(offline, "DEMO_PROCESSING_SECONDS", 0.05)
        self._monkeypatch.setattr(offline, "DEMO_POLL_INTERVAL", 0.01)

    def stop(self) -> None:
        if self._fake is not None:
            self._fake.stop()


def restore_environment(saved: dict[str, str]) -> None:
    """Put ``os.environ`` back as ``saved`` after an example changed it."""
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


@pytest.mark.parametrize("document", DOCUMENTS, ids=[document.name for document in DOCUMENTS])
def test_examples(document: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith(ISOLATED_PREFIXES)]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    saved = dict(os.environ)
    shell = ShellRunner(monkeypatch)
    try:
        for block in read_blocks(document):
            if block.skipped:
                continue
            if block.language in ("yaml", "yml"):
                write_file(document, block, tmp_path)
            elif block.language == "python":
                run_python(document, block, namespace)
            elif block.language == "console":
                shell.run(document, block)
    finally:
        shell.stop()
        restore_environment(saved)


DJANGO_DOC = ROOT / "docs" / "django.md"
DJANGO_EXAMPLE = ROOT / "examples" / "django_project"
SOURCE_MARK = re.compile(r"#\s*(\S+\.py)")


def code_lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, stripped: what must match, whatever the indentation."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_the_django_page_shows_the_example_code() -> None:
    """docs/django.md's Python blocks are not run (they need a configured project); each one
    names a file of examples/django_project on its first line and appears in it, line for
    line, so the page and the tested example cannot drift apart."""
    blocks = [block for block in read_blocks(DJANGO_DOC) if block.language == "python"]
    assert blocks
    for block in blocks:
        where = f"django.md, the python block at line {block.line}"
        first_line, _, code = block.text.partition("\n")
        mark = SOURCE_MARK.fullmatch(first_line.strip())
        assert block.skipped, f"{where} must be marked {NOT_RUN}"
        assert mark, f"{where} must start with '# <file in examples/django_project>'"
        source = DJANGO_EXAMPLE / mark[1]
        assert source.is_file(), f"{where}: no such file {source}"
        wanted, lines = code_lines(code), code_lines(source.read_text("utf-8"))
        assert wanted, f"{where} is empty"
        found = any(
            lines[start : start + len(wanted)] == wanted
            for start in range(len(lines) - len(wanted) + 1)
        )
        assert found, f"{where} is not in {mark[1]} as it is now: copy it again"
