// The documents: a list from GET /v1/documents (title, date, passages), open one, delete one
// (after a confirmation; DELETE answers 202 with a job, followed until done).
import { $, api, el, followJob, headers, problemMessage } from "./dom.js";
import { deepLink, forgetDocuments, showLink } from "./docview.js";
import { setDocumentChoices } from "./filters.js";

function row(d) {
  const open = el("button", { type: "button", class: "link doc-open", text: d.title || d.doc_id });
  open.addEventListener("click", () => showLink(deepLink(d.doc_id)));
  const del = el("button", { type: "button", class: "doc-delete", text: "Delete", "aria-label": `Delete ${d.title || d.doc_id}` });
  del.addEventListener("click", () => remove(d, del));
  const passages = d.passages == null ? "" : `${d.passages} passages`;
  return el("li", { class: "doc-row", "data-doc": d.doc_id },
    el("div", { class: "doc-main" }, open, el("div", { class: "muted", text: [d.published || "undated", passages, d.doc_id].filter(Boolean).join(" · ") })),
    del);
}

export async function loadDocuments() {
  try {
    const { documents } = await api("/v1/documents");
    $("doc-list").replaceChildren(...documents.map(row));
    $("doc-count").textContent = `(${documents.length})`;
    setDocumentChoices(documents);
  } catch (err) {
    $("doc-list-status").textContent = `The documents cannot be listed: ${err.message}`;
  }
}

async function remove(d, button) {
  const name = d.title || d.doc_id;
  if (!window.confirm(`Delete “${name}” (${d.doc_id}) from the index?`)) return;
  button.disabled = true;
  const status = $("doc-list-status");
  status.textContent = `deleting ${d.doc_id}…`;
  try {
    const response = await fetch(`/v1/documents/${encodeURIComponent(d.doc_id)}`, { method: "DELETE", headers: headers() });
    if (response.status !== 202) throw new Error(await problemMessage(response));
    const job = await followJob(response.headers.get("Location"), (j) => { status.textContent = `deleting ${d.doc_id}: ${j.state}`; });
    if (job.state === "failed") throw new Error(job.error ? job.error.detail : "the delete failed");
    status.textContent = `deleted ${d.doc_id}`;
    forgetDocuments();
    await loadDocuments();
  } catch (err) {
    status.textContent = `${d.doc_id} was not deleted: ${err.message}`;
    button.disabled = false;
  }
}
