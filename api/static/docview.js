// The document view: a side panel on a wide screen, a modal dialog on a phone. It takes focus
// when it opens and gives it back to whatever opened it when it closes.
import { $, api, el, remember, splitSpan, titleOf } from "./dom.js";

const docs = new Map(); // doc_id -> Promise of the document JSON
const view = { open: null, opener: null };
const PHONE = window.matchMedia("(max-width: 900px)");

export const forgetDocuments = () => docs.clear();

export function deepLink(docId, start, end) {
  const span = Number.isInteger(start) ? `&start=${start}&end=${end}` : "";
  return `#doc=${encodeURIComponent(docId)}${span}`;
}

function fetchDocument(docId) {
  if (!docs.has(docId)) {
    const p = api(`/v1/documents/${encodeURIComponent(docId)}`);
    p.catch(() => docs.delete(docId));
    docs.set(docId, p);
  }
  return docs.get(docId);
}

export function openCitation(c) { showLink(deepLink(c.doc_id, c.start, c.end)); }

export function showLink(link) {
  view.opener = document.activeElement;
  if (location.hash === link) fromHash();
  else location.hash = link; // the hashchange handler opens it
}

function asDialog(panel) { // a dialog on a phone, a labelled region beside the answer otherwise
  if (PHONE.matches) {
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    panel.setAttribute("aria-labelledby", "doc-title");
  } else {
    for (const a of ["role", "aria-modal", "aria-labelledby"]) panel.removeAttribute(a);
  }
}

function highlight(box, doc, start, end) {
  const length = Array.from(doc.text).length;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= length)) {
    box.replaceChildren(doc.text);
    box.scrollTop = 0;
    return;
  }
  const [before, inside, after] = splitSpan(doc.text, start, end);
  const mark = el("mark", { id: "highlight", text: inside });
  box.replaceChildren(before, mark, after);
  // centre the span inside the panel; bring the panel itself into view only if needed
  box.scrollTop = Math.max(0, mark.offsetTop - (box.clientHeight - mark.offsetHeight) / 2);
  const top = $("doc-panel").getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.5) $("doc-panel").scrollIntoView({ block: "start" });
}

async function openDocument(docId, start, end) {
  view.open = { docId, start, end };
  const panel = $("doc-panel");
  $("layout").classList.add("with-doc");
  asDialog(panel);
  panel.hidden = false;
  $("doc-title").textContent = titleOf(docId);
  $("doc-meta").textContent = "loading…";
  $("doc-text").replaceChildren();
  if (PHONE.matches) $("doc-close").focus();
  let doc;
  try {
    doc = await fetchDocument(docId);
  } catch (err) {
    $("doc-meta").textContent = "";
    $("doc-text").replaceChildren(el("p", { class: "error", text: err.message }));
    return;
  }
  const open = view.open;
  if (!open || open.docId !== docId || !Object.is(open.start, start) || !Object.is(open.end, end)) return; // NaN: no span
  remember(docId, doc.title, doc.published);
  $("doc-title").textContent = doc.title || docId;
  $("doc-meta").textContent = [doc.published, doc.source || docId].filter(Boolean).join(" · ");
  highlight($("doc-text"), doc, start, end);
  for (const b of document.querySelectorAll(".chip")) {
    const same = b.dataset.doc === docId && Number(b.dataset.start) === start && Number(b.dataset.end) === end;
    b.classList.toggle("active", same);
  }
}

export function closeDocument() {
  view.open = null;
  $("doc-panel").hidden = true;
  $("layout").classList.remove("with-doc");
  for (const b of document.querySelectorAll(".chip.active")) b.classList.remove("active");
  if (location.hash) history.pushState(null, "", location.pathname + location.search);
  const back = view.opener;
  view.opener = null;
  if (back && back.isConnected && back !== document.body) back.focus();
}

export function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const docId = params.get("doc");
  if (!docId) {
    if (view.open) closeDocument();
    return;
  }
  const start = params.has("start") ? Number(params.get("start")) : NaN;
  const end = params.has("end") ? Number(params.get("end")) : NaN;
  openDocument(docId, start, end);
}

function trapFocus(e) { // Tab stays inside the dialog while it is modal
  const panel = $("doc-panel");
  if (e.key !== "Tab" || panel.hidden || panel.getAttribute("aria-modal") !== "true") return;
  const stops = [$("doc-close"), $("doc-text")];
  const i = stops.indexOf(document.activeElement);
  if (i < 0 || (e.shiftKey && i === 0) || (!e.shiftKey && i === stops.length - 1)) {
    e.preventDefault();
    stops[e.shiftKey ? stops.length - 1 : 0].focus();
  }
}

export function initDocView() {
  $("doc-close").addEventListener("click", closeDocument);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && view.open) closeDocument();
    trapFocus(e);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
}
