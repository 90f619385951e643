"""The argparse parser of `rag`: its subcommands and their flags."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands import cmd_add, cmd_ask, cmd_brief, cmd_eval, cmd_ingest, cmd_search, cmd_serve
from cli.remote import add_parsers as add_remote_parsers

DESCRIPTION = "The `rag` command line. Library errors become one line on stderr and exit code 2."


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
    parser = argparse.ArgumentParser(prog="rag", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="build or update the index from the corpus")
    _add_common(p)
    p.add_argument("--if-stale", action="store_true", help="do nothing if the index is current")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("add", help="add one document to the corpus and ingest it")
    _add_common(p)
    p.add_argument("file", type=Path, help="a .txt, .md or .html file; its stem is the doc_id")
    p.add_argument(
        "--trust",
        choices=["upload", "untrusted", "trusted"],
        default="upload",
        help="upload (default): trusted corpus evidence leads; untrusted: never quoted",
    )
    p.set_defaults(func=cmd_add)

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
    p.add_argument(
        "--explain", action="store_true", help="show the parsed focus and the decision's signals"
    )
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

    add_remote_parsers(sub)  # upload, delete: over HTTP, against a running server
    return parser
