"""What one `rag eval` run is asked to do: the typed options of `eval.main.run`.

The command line builds these from its flags; eval never sees argparse.

    options = EvalOptions(baseline=Path("eval/baseline.json"), runs_dir=Path("/tmp/runs"))
    exit_code = eval.main.run(options, settings)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

LlmChoice = Literal["none", "local", "openai"]
LLM_CHOICES: tuple[str, ...] = get_args(LlmChoice)

DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_BASELINE = Path("eval/baseline.json")
DEFAULT_RUNS_DIR = Path("eval/runs")
DEFAULT_REPEATS = 3


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """Options of one evaluation; the defaults are those of a bare `rag eval`."""

    questions: Path = DEFAULT_QUESTIONS  # the question set (JSONL)
    baseline: Path | None = None  # fail on a regression against this baseline
    gate: bool = False  # apply the floors of gate.toml even without a baseline
    update_baseline: bool = False  # rewrite the baseline (DEFAULT_BASELINE if none is given)
    retrieval: bool = False  # only the per-stage retrieval table
    lee: bool = False  # with retrieval: also the Lee corpus
    abstention: bool = False  # only the abstention trade-off
    llm: LlmChoice | None = None  # the answer backend; None keeps the settings' choice
    repeats: int = DEFAULT_REPEATS  # runs when llm is set (values below 1 mean 1)
    compare: tuple[Path, Path] | None = None  # diff these two run records, run nothing
    report_md: Path | None = None  # also write the Markdown summary here
    runs_dir: Path = DEFAULT_RUNS_DIR  # where run records go
    json: bool = False  # machine-readable output on stdout

    def __post_init__(self) -> None:
        if self.llm is not None and self.llm not in LLM_CHOICES:
            raise ValueError(
                f"llm must be one of {', '.join(LLM_CHOICES)} or None, not {self.llm!r}"
            )
