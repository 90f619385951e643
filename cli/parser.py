"""The argparse parser of `rag`: its subcommands, their flags, help and examples."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from cli.commands import (
    cmd_add,
    cmd_ask,
    cmd_brief,
    cmd_docs,
    cmd_eval,
    cmd_ingest,
    cmd_search,
    cmd_serve,
)
from cli.remote import add_parsers as add_remote_parsers

DESCRIPTION = """\
Question answering over news articles with checked, offset-exact citations.

exit codes: 0 done; 2 bad input (one line on stderr: "rag: error: ..."); 3 `rag ask`
found the question unanswerable from the corpus; 130 interrupted."""


class _Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples keep their lines; every option shows its default."""


def _version() -> str:
    try:
        return version("cited-rag")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: corpus/)")
    p.add_argument("--index", type=Path, default=None, help="index folder (default: index/)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("-v", "--verbose", action="store_true", help="log to stderr")


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc", action="append", help="only this doc_id (repeatable)")
    p.add_argument("--since", help="only documents published on or after YYYY-MM-DD")
    p.add_argument("--until", help="only documents published on or before YYYY-MM-DD")


def _sub(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    examples: str,
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog="examples:\n" + "\n".join("  " + e for e in examples.strip().splitlines()),
        formatter_class=_Help,
    )
    _add_common(p)
    return p


def _add_eval(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _sub(
        sub,
        "eval",
        "score the engine on the question set; gate on a baseline",
        """
rag eval --baseline eval/baseline.json
rag eval --retrieval
rag eval --compare eval/runs/A.json eval/runs/B.json""",
    )
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=DESCRIPTION, formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"rag (cited-rag) {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _sub(
        sub,
        "ingest",
        "build or update the index from the corpus (only changed files are re-embedded)",
        "rag ingest\nrag ingest --if-stale --corpus my-articles/ --index my-index/\n"
        "rag ingest --runner ray --workers 2",
    )
    p.add_argument("--if-stale", action="store_true", help="do nothing if the index is current")
    p.add_argument(
        "--runner",
        choices=["local", "ray"],
        default="local",
        help="local: this process; ray: embed on a Ray actor pool (the .[scale] extra)",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="Ray actors (default: RAG_RAY__WORKERS, 2)"
    )
    p.add_argument(
        "--writers",
        type=int,
        default=None,
        help="Ray actors writing rows into a Milvus server (default: RAG_RAY__WRITERS, 0: "
        "this process writes)",
    )
    p.add_argument(
        "--address",
        default=None,
        help="Ray cluster, e.g. ray://head:10001 or auto (default: RAG_RAY__ADDRESS, "
        "empty: a local Ray runtime)",
    )
    p.set_defaults(func=cmd_ingest)

    p = _sub(
        sub,
        "docs",
        "list the indexed documents: id, published date, passages and title",
        "rag docs\nrag docs --json",
    )
    p.set_defaults(func=cmd_docs)

    p = _sub(
        sub,
        "add",
        "add one document to the local corpus and ingest it (no server needed)",
        "rag add my-article.txt\nrag add leaked-memo.txt --trust untrusted",
    )
    p.add_argument("file", type=Path, help="a .txt, .md or .html file; its stem is the doc_id")
    p.add_argument(
        "--trust",
        choices=["upload", "untrusted", "trusted"],
        default="upload",
        help="upload: trusted corpus evidence leads; untrusted: never quoted",
    )
    p.set_defaults(func=cmd_add)

    p = _sub(
        sub,
        "search",
        "hybrid search; prints passages with exact offsets",
        'rag search "why was the Ant IPO suspended?" --top-k 3',
    )
    p.add_argument("query", help="what to look for")
    p.add_argument("--top-k", type=int, default=None, help="passages (default: settings)")
    _add_filters(p)
    p.set_defaults(func=cmd_search)

    p = _sub(
        sub,
        "ask",
        "answer a question with verified citations (exit code 3 when unanswerable)",
        """
rag ask "Why was the Ant IPO suspended?"
rag ask "How much would the IPO have raised?" --doc 000_341026f71ce0a6ab --json
rag ask "What did the central bank ask for?" --since 2020-12-01 --llm local""",
    )
    p.add_argument("question", help="the question")
    p.add_argument("--top-k", type=int, default=None, help="passages (default: settings)")
    _add_filters(p)
    p.add_argument("--llm", choices=["none", "local", "openai"], default=None)
    p.add_argument(
        "--explain", action="store_true", help="show the parsed focus and the decision's signals"
    )
    p.set_defaults(func=cmd_ask)

    p = _sub(
        sub,
        "brief",
        "a citation-backed briefing on a topic",
        """
rag brief "the regulatory crackdown on Ant Group"
rag brief "Ant Group" --format html -o briefing.html
rag brief "Ant Group" -o briefing.pdf""",
    )
    p.add_argument("topic", help="what to brief on")
    p.add_argument(
        "--format",
        choices=["md", "html", "pdf", "json"],
        default=None,
        help="output format (default: from -o FILE's suffix, else md)",
    )
    p.add_argument("-o", "--output", type=Path, default=None, help="write to FILE, not stdout")
    p.add_argument("--max-sentences", type=int, default=None, help="sentences of prose at most")
    _add_filters(p)
    p.add_argument("--llm", choices=["none", "local", "openai"], default=None)
    p.set_defaults(func=cmd_brief)

    p = _sub(
        sub,
        "serve",
        "serve the HTTP API and the web page (the port is checked before models load)",
        "rag serve\nrag serve --host 0.0.0.0 --port 8080",
    )
    p.add_argument("--host", default=None, help="bind address (default: settings, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: settings, 8000)")
    p.set_defaults(func=cmd_serve)

    _add_eval(sub)
    add_remote_parsers(sub)  # upload, delete: over HTTP, against a running server
    return parser
