"""The `rag` command line. Library errors become one line on stderr and exit code 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from cli.parser import build_parser


def _known_errors() -> tuple[type[BaseException], ...]:
    """What becomes one line and exit code 2: every engine error (eval's too derive from
    RagError), bad settings, a missing file."""
    from pydantic import ValidationError

    from cli.commands import FlagConflict, NoSuchDocument, PortInUse
    from rag import RagError

    return (RagError, ValidationError, FileNotFoundError, NoSuchDocument, PortInUse, FlagConflict)


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
        # `rag ingest` reports each skipped file itself, once
        logging.getLogger("rag.index.corpus").setLevel(logging.ERROR)
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
            print(f"rag: error: {msg[:500]}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
