// The answer: sentences with chips, status, conflicts, sources. The live region is the answer
// text alone; it is aria-busy while the answer streams.
import { $, el, remember, showError, titleOf } from "./dom.js";
import { chip, renderRetrieved, renderSourceCards, renderSources } from "./sources.js";

export const state = { answer: null, citations: new Map(), retrieved: [], marked: [] };

function sentenceNode(marked) { // a sentence with its [n] markers turned into chips
  const p = el("p", { class: "sentence" });
  let last = 0;
  for (const m of marked.matchAll(/\s*\[(\d+)\]/g)) {
    const citation = state.citations.get(Number(m[1]));
    if (!citation) continue;
    p.append(marked.slice(last, m.index), " ", chip(citation));
    last = m.index + m[0].length;
  }
  p.append(marked.slice(last));
  return p;
}

export function setStatus(status, text) {
  const badge = $("status");
  badge.className = `badge ${status}`;
  badge.textContent = text || status;
}

export function setBusy(busy) { $("answer-text").setAttribute("aria-busy", String(busy)); }

export function resetAnswer() {
  Object.assign(state, { answer: null, citations: new Map(), retrieved: [], marked: [] });
  $("answer").hidden = false;
  for (const id of ["answer-text", "conflict-list", "source-list", "retrieved-list", "source-cards"]) {
    $(id).replaceChildren();
  }
  for (const id of ["missing", "conflicts", "sources", "retrieved", "source-cards", "answer-tools"]) {
    $(id).hidden = true;
  }
  setStatus("searching", "searching…");
  $("progress").textContent = "";
  showError("");
}

export function onRetrieval(data) {
  state.retrieved = data.results;
  for (const hit of data.results) remember(hit.doc_id, hit.title, hit.published);
  $("progress").textContent = `${data.results.length} passages retrieved`;
  renderRetrieved(data.results, false);
}

export function onSentence(data) {
  for (const c of data.citations) state.citations.set(c.marker, c);
  state.marked.push(data.marked || data.text);
  $("answer-text").append(sentenceNode(data.marked || data.text));
  setStatus("searching", "writing…");
}

function renderConflicts(conflicts) { // a block per quantity: each value, its source, chips
  const list = $("conflict-list");
  for (const conflict of conflicts) {
    const values = el("ul");
    for (const v of conflict.values) {
      const li = el("li", { class: "conflict-value" },
        el("span", { class: "value", text: v.value }), el("span", { class: "from", text: `according to ${titleOf(v.doc_id)}` }));
      for (const n of v.citations || []) {
        const c = state.citations.get(n);
        if (c) li.append(chip(c));
      }
      values.append(li);
    }
    const what = el("h3", { text: `The ${conflict.quantity} differs between the sources:` });
    list.append(el("div", { class: "conflict", "data-quantity": conflict.quantity }, what, values));
  }
  $("conflicts").hidden = conflicts.length === 0;
}

export function onDone(answer, seconds) {
  state.answer = answer;
  for (const c of answer.citations) state.citations.set(c.marker, c);
  if (!answer.sentences.length) $("answer-text").replaceChildren(el("p", { class: "sentence", text: answer.answer }));
  const conflicts = answer.conflicts || [];
  if (!conflicts.length || answer.status === "unanswerable") setStatus(answer.status);
  else setStatus("conflict", `${answer.status === "partial" ? "partial · " : ""}sources disagree`);
  const took = seconds != null ? `${seconds.toFixed(1)} s` : "";
  $("progress").textContent = [took, answer.mode].filter(Boolean).join(" · ");
  if (answer.missing && answer.missing.length) {
    $("missing").textContent = `Not covered by the corpus: ${answer.missing.join("; ")}.`;
    $("missing").hidden = false;
  }
  renderConflicts(conflicts);
  renderSourceCards(answer.citations);
  renderSources(answer.citations);
  if (answer.status === "unanswerable") renderRetrieved(state.retrieved, true);
  $("answer-tools").hidden = false;
  setBusy(false);
}

// Shows a finished answer again (from the session's history) without asking.
export function replay(entry) {
  resetAnswer();
  onRetrieval({ results: entry.retrieved });
  for (const marked of entry.marked) {
    for (const c of entry.answer.citations) state.citations.set(c.marker, c);
    onSentence({ marked, citations: [] });
  }
  onDone(entry.answer, entry.seconds);
}

// The answer as plain text with its citations, for the clipboard.
export function answerText() {
  const a = state.answer;
  if (!a) return "";
  const body = state.marked.length ? state.marked.join(" ") : a.answer;
  const refs = a.citations.map((c) => `[${c.marker}] ${titleOf(c.doc_id)} (${c.doc_id} ${c.start}:${c.end}): “${c.quote}”`);
  return [`Q: ${a.question}`, "", body, "", ...refs].join("\n").trim() + "\n";
}
