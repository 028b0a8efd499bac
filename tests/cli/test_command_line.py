"""How the command line is read (wavevid.cli and wavevid.cli.inputs): a positional prompt,
each parameter given once, global flags before or after the command, and usage errors that
exit 2 with nothing sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavevid.cli import main
from wavevid.testing import FakeWaveSpeed

from .conftest import Run


def test_the_prompt_may_follow_the_model(cli_fake: FakeWaveSpeed, run: Run) -> None:
    code, _, err = run("submit", "ltx-2-fast", "a red fox", "--param", "duration=8")
    assert (code, err) == (0, "")
    (job,) = cli_fake.jobs.values()
    assert job.input["prompt"] == "a red fox"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["a fox", "--prompt", "a cat"], "prompt is given twice (PROMPT and --prompt)"),
        (["--prompt", "a fox", "--param", "prompt=a cat"],
         "prompt is given twice (--prompt and --param prompt=...)"),
        (["a fox", "--param", "duration=6", "--param", "duration=8"],
         "duration is given twice (--param duration=... and --param duration=...)"),
    ],
    ids=["positional-and-option", "option-and-param", "param-repeated"],
)
def test_a_parameter_given_twice_is_refused(
    cli_fake: FakeWaveSpeed, run: Run, argv: list[str], words: str
) -> None:
    code, _, err = run("submit", "ltx-2-fast", *argv)
    assert code == 2
    assert err == f"wavevid: {words}; give it once\n"
    assert cli_fake.requests == []


def test_a_file_and_a_param_for_one_parameter_are_refused(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    code, _, err = run("submit", "ltx-2-fast-i2v", "zoom", "--file", f"image={image}",
                       "--param", "image=https://example.com/cat.png")
    assert code == 2
    assert "image is given twice (--param image=... and --file image=...)" in err
    assert cli_fake.requests == []


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_flags_go_before_or_after_the_command(
    run: Run, tmp_path: Path, where: str
) -> None:
    def command(*words: str) -> list[str]:
        flags = ["--debug", "--catalog", str(tmp_path)]
        return [*flags, *words] if where == "before" else [*words, *flags]

    code, out, _ = run(*command("catalog", "path"))
    assert code == 0
    assert out.splitlines()[-1] == f"--catalog: {tmp_path}"
    code, _, err = run(*command("show", "no-such-model"))
    assert code == 2
    assert "Traceback (most recent call last)" in err  # --debug was heard


def test_global_flags_on_both_sides_add_up(run: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    code, out, _ = run("--catalog", str(first), "catalog", "path", "--catalog", str(second))
    assert code == 0
    assert out.splitlines()[-2:] == [f"--catalog: {first}", f"--catalog: {second}"]


@pytest.mark.parametrize("command", [["generate", "ltx-2-fast", "a fox"], ["wait", "0" * 32]])
@pytest.mark.parametrize("timeout", ["0", "-5", "nan", "soon"])
def test_a_timeout_that_is_not_positive_is_a_usage_error(
    cli_fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], command: list[str],
    timeout: str,
) -> None:
    with pytest.raises(SystemExit) as raised:
        main([*command, "--timeout", timeout])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: wavevid")
    assert f"argument --timeout: must be a positive number of seconds, not '{timeout}'" in err
    assert cli_fake.requests == []


def test_jobs_of_an_unknown_model_is_a_usage_error(cli_fake: FakeWaveSpeed, run: Run) -> None:
    code, out, err = run("jobs", "--model", "ltx-2-fsat")
    assert (code, out) == (2, "")
    assert err.startswith("wavevid: unknown model 'ltx-2-fsat'; did you mean 'ltx-2-fast'")
    assert cli_fake.requests == []
