"""The HTML briefing's one stylesheet: screen, phone (no sideways scroll) and print / PDF.

Inline in the page, so a saved or forwarded file looks the same; it loads nothing (no fonts,
no images, no url()). The print part is what `rag brief --format pdf` renders (WeasyPrint
uses print media): no card chrome, references kept, external links' URLs written out, headings
kept with what follows, and page numbers in the margin.
"""

from __future__ import annotations

SCREEN = """
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d2330;font:16px/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,"DejaVu Sans",sans-serif;overflow-wrap:break-word}
main{max-width:46rem;margin:2rem auto;padding:2rem 2.2rem;background:#fff;border-radius:10px;
box-shadow:0 1px 4px rgba(0,0,0,.08)}
header.head{margin-bottom:1.2rem}
h1{font-size:1.6rem;margin:.1rem 0 .6rem;line-height:1.25}h2{font-size:1.15rem;
margin:1.6rem 0 .5rem;border-bottom:1px solid #e3e6eb;padding-bottom:.2rem}
dl.meta{margin:0;font-size:.88rem;color:#3d4a5c}dl.meta div{display:flex;gap:.8rem;
margin:.1rem 0}dl.meta dt{font-weight:600;flex:0 0 5.5rem}dl.meta dd{margin:0;min-width:0}
p{margin:.4rem 0}.summary{font-size:1.05rem;background:#f1f5fb;padding:.8rem 1rem;
border-left:4px solid #3b6fd8;border-radius:4px}
a.cite{color:#3b6fd8;text-decoration:none;font-size:.8em;vertical-align:super;margin-left:1px}
a.cite:hover{text-decoration:underline}
ul.timeline{list-style:none;padding:0}ul.timeline li{margin:.5rem 0;padding-left:.8rem;
border-left:3px solid #c9d3e3}ul.undated li{border-left-style:dashed}
.date{font-weight:600;display:block;font-size:.9rem;color:#3d4a5c}
.approx{color:#8a5a00}table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid #e3e6eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f7f9}tr.disputed td{background:#fff8e6}
ul.refs{padding-left:1.2rem;font-size:.9rem}ul.refs>li{margin:.8rem 0}
ul.refs ol{list-style:none;padding-left:.4rem}ul.refs ol li{margin:.3rem 0}.n{color:#3b6fd8}
ul.refs ol li:target{background:#fff3c4}
.quote{color:#3d4a5c}.muted{color:#5f6b7a;font-size:.85rem}
code,a{overflow-wrap:anywhere}code{font-size:.85em}
"""

# A phone: the card fills the screen and the figures table becomes one block per value.
PHONE = """
@media screen and (max-width:40rem){
main{margin:0;padding:1.1rem 1rem;border-radius:0;box-shadow:none}
h1{font-size:1.35rem}
table,tbody,tr,td{display:block;width:100%}thead{display:none}
tr{border:1px solid #e3e6eb;border-radius:6px;margin:.5rem 0;padding:.3rem .5rem}
td{border:none;padding:.15rem 0}td:empty{display:none}
td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#5f6b7a}
}
"""

PRINT = """
@page{size:A4;margin:18mm 16mm 20mm;@bottom-right{content:counter(page);
font:9pt sans-serif;color:#5f6b7a}}
@media print{
body{background:#fff;font-size:10.5pt;color:#000}
main{max-width:none;margin:0;padding:0;border-radius:0;box-shadow:none}
nav,.no-print{display:none}
.summary{background:none;border-left:3pt solid #3b6fd8}
h1,h2{break-after:avoid}ul.timeline li,ul.refs ol li,tr,.summary{break-inside:avoid}
ul.refs a[href]:not([href^="#"])::after{content:" <" attr(href) ">";color:#3d4a5c;
font-size:.85em}
a{color:inherit;text-decoration:none}a.cite{color:#3b6fd8}
ul.refs ol li:target{background:none}
}
"""

CSS = SCREEN + PHONE + PRINT
