"""The `rag` command line. Library errors become one line on stderr and exit code 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from cli.parser import build_parser

log = logging.getLogger("rag")


class UsageError(Exception):
    """Bad input from the command line."""


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
