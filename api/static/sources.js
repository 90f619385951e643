// Citation chips with a hover card, source cards grouped by document, and the passages
// searched ("the nearest passages" when the corpus does not answer).
import { $, dateOf, el, titleOf } from "./dom.js";
import { deepLink, openCitation } from "./docview.js";

const card = () => $("hovercard");

function showCard(chipNode, c) {
  const box = card();
  box.replaceChildren(
    el("strong", { text: titleOf(c.doc_id) }),
    el("span", { class: "muted", text: ` · ${dateOf(c.doc_id)}` }),
    el("blockquote", { text: c.quote }),
  );
  box.hidden = false;
  const r = chipNode.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - 16);
  box.style.width = `${width}px`;
  box.style.left = `${Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + window.innerWidth - width - 8))}px`;
  box.style.top = `${r.bottom + window.scrollY + 6}px`;
}

export function hideCard() { card().hidden = true; }

export function chip(c) {
  const b = el("button", {
    type: "button",
    class: "chip",
    text: String(c.marker),
    "data-marker": String(c.marker),
    "data-doc": c.doc_id,
    "data-start": String(c.start),
    "data-end": String(c.end),
    "aria-label": `Source ${c.marker}: ${titleOf(c.doc_id)}`,
    "aria-describedby": "hovercard",
  });
  b.addEventListener("click", () => { hideCard(); openCitation(c); });
  for (const on of ["mouseenter", "focus"]) b.addEventListener(on, () => showCard(b, c));
  for (const off of ["mouseleave", "blur"]) b.addEventListener(off, hideCard);
  return b;
}

// One card per cited document: title, date, doc_id and its citations' chips.
export function renderSourceCards(citations) {
  const byDoc = new Map();
  for (const c of citations) {
    if (!byDoc.has(c.doc_id)) byDoc.set(c.doc_id, []);
    byDoc.get(c.doc_id).push(c);
  }
  const list = $("source-cards");
  list.replaceChildren();
  for (const [docId, cs] of byDoc) {
    const title = el("a", { href: deepLink(docId), class: "card-title", text: titleOf(docId) });
    const chips = el("div", { class: "card-chips" }, ...cs.map(chip));
    const about = el("div", { class: "card-meta muted", text: `${dateOf(docId)} · ${docId}` });
    list.append(el("li", { class: "source-card", "data-doc": docId }, title, about, chips));
  }
  list.hidden = byDoc.size === 0;
}

export function renderSources(citations) {
  const list = $("source-list");
  list.replaceChildren();
  for (const c of citations) {
    list.append(el("li", { class: "source" },
      chip(c),
      el("span", { class: "title", text: `${titleOf(c.doc_id)} (${dateOf(c.doc_id)})` }),
      el("blockquote", { text: c.quote })));
  }
  $("sources").hidden = citations.length === 0;
}

export function renderRetrieved(hits, unanswerable) {
  const list = $("retrieved-list");
  list.replaceChildren();
  for (const hit of hits) {
    const link = el("a", { href: deepLink(hit.doc_id, hit.start, hit.end), text: hit.title || hit.doc_id });
    const snippet = hit.text.length > 180 ? `${hit.text.slice(0, 180)}…` : hit.text;
    list.append(el("li", {}, el("span", { class: "score", text: hit.score.toFixed(2) }), link, el("div", { text: snippet })));
  }
  const what = unanswerable ? "The nearest passages" : "Passages searched";
  $("retrieved-summary").textContent = `${what} (${hits.length})`;
  $("retrieved").open = false;
  $("retrieved").hidden = hits.length === 0;
}
