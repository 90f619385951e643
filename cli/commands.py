"""The subcommands of `rag`: each turns parsed flags into one engine call and prints the result."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.options import EvalOptions
    from rag import Engine
    from rag.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    from rag.settings import load_settings

    return load_settings().with_paths(corpus=args.corpus, index=args.index)


def _engine(args: argparse.Namespace) -> Engine:
    from rag import Engine

    return Engine(_settings(args))


def _progress(enabled: bool) -> Callable[[int, str], Callable[[int], None]] | None:
    if not enabled:
        return None

    def factory(total: int, desc: str) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit="text", file=sys.stderr, leave=False)
        return lambda n: bar.update(n)

    return factory


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(text)


def cmd_ingest(args: argparse.Namespace) -> int:
    if args.if_stale:
        from rag.index.ingest import is_stale

        if not is_stale(_settings(args)):
            _emit(args, {"stale": False}, "index is up to date")
            return 0
    engine = _engine(args)
    report = engine.ingest(progress=_progress(not args.json and sys.stderr.isatty()))
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    d = report.to_dict()
    _emit(
        args,
        d,
        f"index {d['version']}: {d['added']} added, {d['changed']} changed, "
        f"{d['removed']} removed, {d['unchanged']} unchanged; {d['passages']} passages "
        f"({d['embedded_passages']} embedded) in {d['seconds']:.1f} s",
    )
    return 0


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if getattr(args, "doc", None):
        f["doc_ids"] = args.doc
    if getattr(args, "since", None):
        f["published_from"] = args.since
    if getattr(args, "until", None):
        f["published_to"] = args.until
    return f


def cmd_search(args: argparse.Namespace) -> int:
    result = _engine(args).search(args.query, top_k=args.top_k, filters=_filters(args))
    lines = []
    if result.truncated:
        lines.append("(query truncated to the model's limit)")
    for h in result.results:
        snippet = " ".join(h.text.split())
        lines.append(f"{h.rank}. {h.doc_id} [{h.start}:{h.end}] {h.score:.3f}\n   {snippet}")
    _emit(args, result.to_dict(), "\n".join(lines) or "no results")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    engine = _engine(args)
    answer = engine.ask(args.question, top_k=args.top_k, filters=_filters(args), llm=args.llm)
    lines = [answer.answer, ""]
    for c in answer.citations:
        quote = " ".join(c.quote.split())
        lines.append(f"[{c.marker}] {c.doc_id} [{c.start}:{c.end}] “{quote}”")
    if answer.fallback_reason:
        lines.append(f"(LLM fallback: {answer.fallback_reason})")
    _emit(args, answer.to_dict(), "\n".join(lines).rstrip())
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from rag import Engine
    from rag.briefing.render import RENDERERS

    settings = _settings(args)
    engine = Engine(settings)
    briefing = engine.brief(
        args.topic, max_sentences=args.max_sentences, filters=_filters(args), llm=args.llm
    )
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(json.dumps(briefing.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(RENDERERS[fmt](briefing, settings.api.document_base_url), end="")
    return 0


def eval_options(args: argparse.Namespace) -> EvalOptions:
    """The typed options of `rag eval` from its parsed flags."""
    from eval.options import EvalOptions

    compare = args.compare
    return EvalOptions(
        questions=args.questions,
        baseline=args.baseline,
        gate=args.gate,
        update_baseline=args.update_baseline,
        retrieval=args.retrieval,
        lee=args.lee,
        abstention=args.abstention,
        llm=args.llm,
        repeats=args.repeats,
        compare=(Path(compare[0]), Path(compare[1])) if compare else None,
        report_md=Path(args.report_md) if args.report_md else None,
        runs_dir=Path(args.runs_dir),
        json=args.json,
    )


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.main import run

    options = eval_options(args)
    return run(options, None if options.compare else _settings(args))


def fix_mmap_threshold() -> None:
    """Large arrays (an index version's vectors) mmapped and unmapped when freed: glibc's
    default raises its mmap threshold after the first free, and every upload then left its
    old version's ~15 MB (10k passages) on the heap (RSS +15 MB an upload, measured with
    bench/upload.py; flat with this). Same as MALLOC_MMAP_THRESHOLD_=1048576."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name and "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    fix_mmap_threshold()

    from api.app import create_app

    settings = _settings(args)
    host = args.host or settings.api.host
    port = args.port or settings.api.port
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0
