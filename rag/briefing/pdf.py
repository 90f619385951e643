"""A briefing as PDF: the self-contained HTML page printed by WeasyPrint, offline.

WeasyPrint lays out HTML with print media (rag.briefing.style's print part: A4, page numbers,
references' URLs written out) and needs Pango from the system; it is the `pdf` extra. Its URL
fetcher allows no scheme at all, so rendering never reads a file or the network, whatever a
document's text or a configured URL says. [n] markers stay internal PDF links to the
references.
"""

from __future__ import annotations

from rag.briefing.render import to_html
from rag.briefing.style import PHONE
from rag.briefing.types import Briefing
from rag.errors import RagError


class PdfUnavailable(RagError):
    """PDF export is not installed here (the `pdf` extra: WeasyPrint and Pango)."""


def to_pdf(b: Briefing, document_base_url: str | None = None) -> bytes:
    """The briefing's HTML page printed to PDF bytes."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found no Pango
        hint = "PDF export needs WeasyPrint and Pango (pip install 'rag[pdf]')"
        raise PdfUnavailable(f"{hint}: {exc}") from exc
    # the phone rules are for screens, and WeasyPrint warns on every media feature query
    page = to_html(b, document_base_url).replace(PHONE, "")
    fetcher = URLFetcher(allowed_protocols=())
    pdf: bytes = HTML(string=page, url_fetcher=fetcher).write_pdf()
    return pdf
