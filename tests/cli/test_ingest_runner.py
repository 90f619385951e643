"""`rag ingest --runner`: its flags, checked before any model loads, and Ray never imported
unless asked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "flags", [["--workers", "2"], ["--writers", "1"], ["--address", "ray://head:10001"]]
)
def test_ray_flags_without_the_ray_runner_are_one_line_and_exit_2(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ingest", "--index", str(tmp_path / "index"), *flags])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "rag: error: --workers, --writers and --address need --runner ray\n"
    assert not (tmp_path / "index").exists()


def test_zero_workers_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ingest", "--runner", "ray", "--workers", "0", "--index", str(tmp_path / "i")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "workers" in err, err


def test_negative_writers_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ingest", "--runner", "ray", "--writers", "-1", "--index", str(tmp_path / "i")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "writers" in err, err


def test_the_default_paths_never_import_ray() -> None:
    code = (
        "import sys, cli.main, api.app, rag.engine, rag.index.ingest\n"
        "cli.main.build_parser().parse_args(['ingest'])\n"
        "bad = sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=300)
