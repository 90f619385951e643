"""The `rag` command line. Library errors become one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.options import EvalOptions

log = logging.getLogger("rag")


class UsageError(Exception):
    """Bad input from the command line."""


def _settings(args: argparse.Namespace) -> Any:
    from rag.settings import Settings

    return Settings().with_paths(corpus=args.corpus, index=args.index)


def _engine(args: argparse.Namespace) -> Any:
    from rag.engine import Engine

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
    from rag.briefing.render import RENDERERS

    engine = _engine(args)
    briefing = engine.brief(
        args.topic, max_sentences=args.max_sentences, filters=_filters(args), llm=args.llm
    )
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(json.dumps(briefing.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(RENDERERS[fmt](briefing), end="")
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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = _settings(args)
    host = args.host or settings.api.host
    port = args.port or settings.api.port
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, default=None, help="corpus folder (default corpus/)")
    p.add_argument("--index", type=Path, default=None, help="index folder (default index/)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("-v", "--verbose", action="store_true", help="log to stderr")


def _add_query_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top-k", type=int, default=None, help="passages to retrieve")
    p.add_argument("--doc", action="append", help="restrict to this doc_id (repeatable)")
    p.add_argument("--since", help="only documents published on or after YYYY-MM-DD")
    p.add_argument("--until", help="only documents published on or before YYYY-MM-DD")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="build or update the index from the corpus")
    _add_common(p)
    p.add_argument("--if-stale", action="store_true", help="do nothing if the index is current")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="hybrid search; prints passages with exact offsets")
    _add_common(p)
    p.add_argument("query")
    _add_query_opts(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with verified citations")
    _add_common(p)
    p.add_argument("question")
    _add_query_opts(p)
    p.add_argument("--llm", choices=["none", "local", "openai"], default=None)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("brief", help="a citation-backed briefing on a topic")
    _add_common(p)
    p.add_argument("topic")
    p.add_argument("--format", choices=["md", "html", "json"], default="md")
    p.add_argument("--max-sentences", type=int, default=None, help="sentences of prose at most")
    p.add_argument("--doc", action="append", help="use only this doc_id (repeatable)")
    p.add_argument("--since", help="only documents published on or after YYYY-MM-DD")
    p.add_argument("--until", help="only documents published on or before YYYY-MM-DD")
    p.add_argument("--llm", choices=["none", "local", "openai"], default=None)
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("serve", help="serve the HTTP API")
    _add_common(p)
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="score the engine on the question set; gate on a baseline")
    _add_common(p)
    p.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    p.add_argument("--baseline", type=Path, default=None, help="fail on regression against it")
    p.add_argument("--gate", action="store_true", help="apply floors even without a baseline")
    p.add_argument("--update-baseline", action="store_true", help="rewrite the baseline")
    p.add_argument("--retrieval", action="store_true", help="only the per-stage retrieval table")
    p.add_argument("--lee", action="store_true", help="with --retrieval: also the Lee corpus")
    p.add_argument(
        "--abstention",
        action="store_true",
        help="only the abstention trade-off (any JSONL with question and answerable)",
    )
    p.add_argument("--llm", choices=["none", "local", "openai"], default=None)
    p.add_argument("--repeats", type=int, default=3, help="runs in LLM mode (spread reported)")
    p.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="diff two run records")
    p.add_argument("--report-md", default=None, help="also write the Markdown summary here")
    p.add_argument("--runs-dir", default="eval/runs", help="where run records go")
    p.set_defaults(func=cmd_eval)
    return parser


def _known_errors() -> tuple[type[BaseException], ...]:
    from pydantic import ValidationError

    from rag.engine import DocumentNotFound
    from rag.index.corpus import BadDocument, CorpusError
    from rag.index.embedder import EmbeddingError
    from rag.index.store import IndexProblem
    from rag.search.filters import QueryError

    errors: list[type[BaseException]] = [
        UsageError,
        CorpusError,
        BadDocument,
        EmbeddingError,
        DocumentNotFound,
        QueryError,
        IndexProblem,
        ValidationError,
        FileNotFoundError,
    ]
    try:
        from eval.abstention import LabelledSetError
        from eval.questions import QuestionSetError

        errors += [QuestionSetError, LabelledSetError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("rag").setLevel(logging.WARNING)
        for noisy in ("sentence_transformers", "faiss", "bm25s", "httpx", "transformers"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rag search ... | head`
        sys.stderr.close()
        return 0
    except Exception as exc:
        if isinstance(exc, _known_errors()):
            msg = " ".join(str(exc).split()) or type(exc).__name__
            if exc.__class__.__name__ == "DocumentNotFound":
                msg = f"no document {msg}"
            print(f"rag: error: {msg[:500]}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
