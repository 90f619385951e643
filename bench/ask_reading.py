"""What reading the question costs `ask`: p50/p95 with and without it, in one run.

    .venv/bin/python bench/ask_reading.py [--index DIR] [--runs 3]

Times `Engine.ask` (extractive) over the reading training questions, alternately with the
reading step (spaCy parse of the question, the per-sentence checks) and with both replaced by
a fixed focus and an "answers" verdict, so both are measured on the same machine state. The question
parse cache is cleared before every call: each request is a new question.
Not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rag.answer.answerer as answerer_module
from eval.harness import Timing, temporary_index
from rag.answer.reading import Reading
from rag.engine import Engine
from rag.settings import Settings
from rag.text.focus import forget_questions, question_focus

QUESTIONS = Path(__file__).resolve().parents[1] / "eval/sets/reading_train.jsonl"


def _no_reading(*_: Any) -> Reading:
    return Reading("answers", {}, [], {})


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line]
    base = Settings()
    ctx: AbstractContextManager[Engine]
    if args.index is not None:
        s = base.model_copy(update={"index": base.index.model_copy(update={"dir": args.index})})
        ctx = nullcontext(Engine(s))
    else:
        ctx = temporary_index(base)
    real = getattr(answerer_module, "read_evidence")  # noqa: B009
    real_focus = getattr(answerer_module, "question_focus")  # noqa: B009
    fixed = question_focus("What?")
    with ctx as engine:
        engine.ask(questions[0])  # load models, parser, readings
        with_ms: list[float] = []
        without_ms: list[float] = []
        for _ in range(args.runs):
            for q in questions:
                for on in (True, False):
                    setattr(answerer_module, "read_evidence", real if on else _no_reading)  # noqa: B010
                    focus = real_focus if on else (lambda _q: fixed)
                    setattr(answerer_module, "question_focus", focus)  # noqa: B010
                    forget_questions()
                    t0 = time.perf_counter()
                    engine.ask(q)
                    (with_ms if on else without_ms).append((time.perf_counter() - t0) * 1000)
        setattr(answerer_module, "read_evidence", real)  # noqa: B010
        setattr(answerer_module, "question_focus", real_focus)  # noqa: B010
    a, b = Timing(tuple(with_ms)), Timing(tuple(without_ms))
    print("| ask (extractive) | p50 ms | p95 ms |")
    print("|---|---|---|")
    print(f"| without reading | {b.p50:.1f} | {b.p95:.1f} |")
    print(f"| with reading | {a.p50:.1f} | {a.p95:.1f} |")
    print(f"| difference | {a.p50 - b.p50:+.1f} | {a.p95 - b.p95:+.1f} |")


if __name__ == "__main__":
    main()
