"""Briefing latency on the corpus: median and p95 over repeated runs, as a Markdown table.

    .venv/bin/python bench/brief.py [--corpus corpus] [--index DIR] [--runs 20]

Builds an index of the corpus in a temporary folder unless --index names a built one, loads
the engine, warms it with one briefing, then times `Engine.brief` (extractive, every sentence
verified) for a few topics, the Markdown and HTML rendering on top, and the PDF (WeasyPrint;
at most PDF_RUNS of the runs, it is slower) (p95 interpolated between samples, as everywhere
in bench/ and eval/). The first briefing on a new subject
embeds its facet queries once (about 0.1-0.2 s more); repeated runs reuse them.
Not a test: numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.harness import Timing, temporary_index
from rag.briefing.pdf import to_pdf
from rag.briefing.render import to_html, to_markdown
from rag.engine import Engine
from rag.settings import Settings

PDF_RUNS = 5
TOPICS = [
    "the regulatory crackdown on Ant Group",
    "Xi Jinping's call to regulate platform companies",
    "the European Central Bank's interest rate decisions",  # not covered: the abstain path
]


def _time_topic(engine: Engine, topic: str, runs: int) -> str:
    """One table row: status, sentences, p50/p95 of Engine.brief, p50 of rendering it (text
    formats, then PDF)."""
    times, render, pdf = [], [], []
    for i in range(runs):
        t0 = time.perf_counter()
        b = engine.brief(topic)
        t1 = time.perf_counter()
        to_markdown(b)
        to_html(b)
        t2 = time.perf_counter()
        render.append((t2 - t1) * 1000)
        times.append((t1 - t0) * 1000)
        if i < PDF_RUNS:
            to_pdf(b)
            pdf.append((time.perf_counter() - t2) * 1000)
    brief, draw, printed = Timing(tuple(times)), Timing(tuple(render)), Timing(tuple(pdf))
    return (
        f"| {topic} | {b.status} | {len(b.sentences())} | "
        f"{brief.p50:.0f} | {brief.p95:.0f} | {draw.p50:.1f} | {printed.p50:.0f} |"
    )


def _engine(corpus: Path, index: Path | None) -> AbstractContextManager[Engine]:
    """The engine over ``index``, or over a temporary index of ``corpus`` built now."""
    settings = Settings().with_paths(corpus=corpus, index=index)
    if index is None:
        print("building a temporary index ...", file=sys.stderr)
        return temporary_index(settings, prefix="rag-bench-")
    engine = Engine(settings)
    engine.load()
    return nullcontext(engine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--index", type=Path, default=None, help="a built index (else temporary)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)

    with _engine(args.corpus, args.index) as engine:
        engine.brief(TOPICS[0])  # warm up
        print(f"{args.runs} runs per topic, extractive, {len(engine.documents())} documents\n")
        print("| topic | status | sentences | p50 ms | p95 ms | p50 md+html ms | p50 pdf ms |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for topic in TOPICS:
            print(_time_topic(engine, topic, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
