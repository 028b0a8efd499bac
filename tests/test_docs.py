# Runs the examples in every docs/*.md file: one test per document.
#
# The convention a document follows:
# - A fenced ```yaml block whose first line is `# file: <relative path>` is written to that path
#   inside a fresh temporary directory for the document, when the reader reaches it: blocks are
#   handled in document order, and a later block may overwrite the same file. Other yaml blocks
#   are illustrations and are not written.
# - Fenced ```python blocks are executed in document order, in one namespace per document, with
#   that temporary directory as the working directory.
# - A block directly preceded by the line `<!-- not-run -->` is skipped.
# - Blocks in any other language (console, text, json, ...) are ignored.
# - Fences start at the beginning of a line: ```LANGUAGE opens a block, ``` alone closes it.
#
# A failing example reports the document, the line of its block's opening fence, and the
# traceback (whose line numbers are the document's own). WAVEVID_* and WAVESPEED_* variables are
# removed while a document runs; variables an example sets are removed again afterwards.

from __future__ import annotations

import dataclasses
import os
import re
import traceback
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOCUMENTS = sorted(DOCS.glob("*.md"))
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
    try:
        for block in read_blocks(document):
            if block.skipped:
                continue
            if block.language in ("yaml", "yml"):
                write_file(document, block, tmp_path)
            elif block.language == "python":
                run_python(document, block, namespace)
    finally:
        restore_environment(saved)
