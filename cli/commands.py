"""The subcommands of `rag`: each turns parsed flags into one engine call and prints the result."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.terminal import busy, progress_bars

if TYPE_CHECKING:
    from eval.options import EvalOptions
    from rag import Engine
    from rag.settings import RaySettings, Settings

UNANSWERABLE = 3  # the exit code of `rag ask` when the corpus does not answer the question


class NoSuchDocument(ValueError):
    """A --doc names a document the index does not have."""


class FlagConflict(ValueError):
    """Flags that do not go together."""


def _settings(args: argparse.Namespace) -> Settings:
    from rag.settings import load_settings

    return load_settings().with_paths(corpus=args.corpus, index=args.index)


def _engine(args: argparse.Namespace) -> Engine:
    from rag import Engine

    return Engine(_settings(args))


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
    flags = (args.workers, args.writers, args.address)
    if args.runner != "ray" and any(f is not None for f in flags):
        raise FlagConflict("--workers, --writers and --address need --runner ray")
    ray = _ray_settings(args) if args.runner == "ray" else None  # checked before models load
    with busy(args, "loading the embedding model"):
        engine = _engine(args)
    extra: dict[str, Any] = {}
    if ray is not None:
        from rag.index.ray_ingest import RayEmbedStage, ray_session
        from rag.index.ray_write import RayInserter, writers_for

        store = engine.settings.store
        writers = writers_for(ray, store)
        extra = {"runner": "ray", "workers": ray.workers, "writers": writers}
        insert = RayInserter(ray, store) if writers else None
        with ray_session(ray):  # one runtime for both pools
            report = engine.ingest(progress_bars(args), embed=RayEmbedStage(ray), insert=insert)
    else:
        report = engine.ingest(progress=progress_bars(args))
    for s in report.skipped:  # the one report of each (the corpus loader's log line is off)
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    d = report.to_dict() | extra
    _emit(
        args,
        d,
        f"index {d['version']}: {d['added']} added, {d['changed']} changed, "
        f"{d['removed']} removed, {d['unchanged']} unchanged; {d['passages']} passages "
        f"({d['embedded_passages']} embedded) in {d['seconds']:.1f} s",
    )
    return 0


def _ray_settings(args: argparse.Namespace) -> RaySettings:
    """RAG_RAY__* with the flags on top (checked like the variables)."""
    from rag.settings import RaySettings

    given = {"workers": args.workers, "writers": args.writers, "address": args.address}
    update = {k: v for k, v in given.items() if v is not None}
    return RaySettings.model_validate(_settings(args).ray.model_dump() | update)


def cmd_add(args: argparse.Namespace) -> int:
    """Add one file to the corpus with a trust level and ingest it (as an HTTP upload does)."""
    path: Path = args.file
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    doc, report = _engine(args).add_document(path.name, path.read_bytes(), trust=args.trust)
    d = report.to_dict()
    _emit(
        args,
        {"document": doc.meta(), "ingest": d},
        f"added {doc.doc_id} ({doc.trust}); index {d['version']}: {d['passages']} passages",
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


def _loaded(args: argparse.Namespace) -> Engine:
    """The engine with its index loaded (a spinner meanwhile); every --doc must exist."""
    with busy(args, "loading the index and models"):
        engine = _engine(args)
        engine.load()
    known = engine.snapshot.index.documents
    for doc_id in getattr(args, "doc", None) or []:
        if doc_id not in known:
            raise NoSuchDocument(f"no document {doc_id!r} (see `rag docs`)")
    return engine


def cmd_docs(args: argparse.Namespace) -> int:
    index = _loaded(args).snapshot.index
    rows = [
        d.meta() | {"passages": len(index.doc_passages.get(d.doc_id, ()))}
        for d in sorted(index.documents.values(), key=lambda d: d.doc_id)
    ]
    lines = [
        f"{r['doc_id']}  {r['published'] or 'undated':10}  {r['passages']:4}  {r['title']}"
        for r in rows
    ]
    _emit(args, {"documents": rows}, "\n".join(lines) or "no documents")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    engine = _loaded(args)
    result = engine.search(args.query, top_k=args.top_k, filters=_filters(args))
    lines = []
    if result.truncated:
        lines.append("(query truncated to the model's limit)")
    for h in result.results:
        snippet = " ".join(h.text.split())
        lines.append(f"{h.rank}. {h.doc_id} [{h.start}:{h.end}] {h.score:.3f}\n   {snippet}")
    _emit(args, result.to_dict(), "\n".join(lines) or "no results")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from cli.show import show

    engine = _loaded(args)
    with busy(args, "answering"):
        answer = engine.ask(
            args.question,
            top_k=args.top_k,
            filters=_filters(args),
            llm=args.llm,
            explain=args.explain,
        )
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        show(answer, engine.snapshot.index.documents)
        if answer.explain is not None:
            print("\nexplain:\n" + json.dumps(answer.explain, indent=2, ensure_ascii=False))
    return UNANSWERABLE if answer.status == "unanswerable" else 0


BRIEF_SUFFIXES = {".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".json": "json"}


def brief_format(args: argparse.Namespace) -> str:
    """--json, else --format, else the output file's suffix, else Markdown."""
    if args.json:
        return "json"
    if args.format:
        return str(args.format)
    suffix = args.output.suffix.lower() if args.output else ""
    return BRIEF_SUFFIXES.get(suffix, "md")


def cmd_brief(args: argparse.Namespace) -> int:
    from rag.briefing.pdf import to_pdf
    from rag.briefing.render import RENDERERS

    fmt = brief_format(args)
    if fmt == "pdf" and args.output is None and sys.stdout.isatty():
        print("rag: error: a PDF goes to a file: add -o FILE (or redirect)", file=sys.stderr)
        return 2
    settings = _settings(args)
    engine = _loaded(args)
    with busy(args, "writing the briefing"):
        briefing = engine.brief(
            args.topic, max_sentences=args.max_sentences, filters=_filters(args), llm=args.llm
        )
    base = settings.api.document_base_url
    if fmt == "json":
        data = (json.dumps(briefing.to_dict(), ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "pdf":
        data = to_pdf(briefing, base)
    else:
        data = RENDERERS[fmt](briefing, base).encode()
    if args.output is None and fmt == "pdf":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)  # redirected (checked above)
        sys.stdout.buffer.flush()
        return 0
    if args.output is None:
        print(data.decode(), end="")
        return 0
    out = Path(args.output)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)  # a whole file or none
    tmp.replace(out)
    print(f"wrote {out} ({briefing.status}, {len(briefing.citations)} citations)", file=sys.stderr)
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
    sys.setswitchinterval(settings.api.switch_interval_ms / 1000)
    host = args.host or settings.api.host
    port = args.port or settings.api.port
    # the app sees where it serves (the job journal is named by host name and port)
    api = settings.api.model_copy(update={"host": host, "port": port})
    settings = settings.model_copy(update={"api": api})
    app = create_app(settings)
    check_port(host, port)  # before any model loads (the app's lifespan loads them)
    # Off: uvicorn would believe X-Forwarded-For from 127.0.0.1; the app reads proxy headers
    # only from RAG_API__TRUSTED_PROXIES (api.middleware.proxies).
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
    return 0


def check_port(host: str, port: int) -> None:
    """Raise PortInUse (one line, exit 2) if nothing could listen on host:port."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise PortInUse(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as exc:
            why = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise PortInUse(f"cannot serve on {host}:{port}: {why}") from exc


class PortInUse(OSError):
    """`rag serve` cannot listen where it was asked to."""
