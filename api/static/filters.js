// Filters (date range, documents) and the answer mode, sent with questions and briefings.
// The LLM modes are offered only when GET /v1/models lists them (i.e. the server has one).
import { $, api, el, remember } from "./dom.js";

const MODES = { "cited-rag": ["none", "Extractive (quotes)"], "cited-rag-llm-local": ["local", "LLM (local)"], "cited-rag-llm-openai": ["openai", "LLM (OpenAI)"] };

export function currentFilters() {
  const f = {};
  const ids = Array.from($("filter-docs").selectedOptions, (o) => o.value);
  if (ids.length) f.doc_ids = ids;
  if ($("filter-from").value) f.published_from = $("filter-from").value;
  if ($("filter-to").value) f.published_to = $("filter-to").value;
  const n = Object.keys(f).length;
  $("filter-count").textContent = n ? `${n} active` : "";
  return n ? f : null;
}

export const currentLlm = () => ($("mode-row").hidden ? null : $("mode").value || null);

// The document choices, from GET /v1/documents (the documents section calls it after changes).
export function setDocumentChoices(documents) {
  const select = $("filter-docs");
  const chosen = new Set(Array.from(select.selectedOptions, (o) => o.value));
  select.replaceChildren(...documents.map((d) => {
    remember(d.doc_id, d.title, d.published);
    const label = `${d.title || d.doc_id} (${d.published || "undated"})`;
    return el("option", { value: d.doc_id, text: label, selected: chosen.has(d.doc_id) });
  }));
}

export async function loadModes() {
  const select = $("mode");
  try {
    const { data } = await api("/v1/models");
    const modes = data.map((m) => MODES[m.id]).filter(Boolean);
    select.replaceChildren(...modes.map(([value, label]) => el("option", { value, text: label })));
  } catch { /* keep the extractive default */ }
  $("mode-row").hidden = select.options.length < 2;
}

export function initFilters() {
  for (const id of ["filter-docs", "filter-from", "filter-to"]) $(id).addEventListener("change", currentFilters);
  $("filter-clear").addEventListener("click", () => {
    $("filter-from").value = "";
    $("filter-to").value = "";
    for (const o of $("filter-docs").options) o.selected = false;
    currentFilters();
  });
  loadModes();
}
