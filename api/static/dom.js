// Small DOM and HTTP helpers shared by the page's modules.
// Offsets from the API are Python string indices (code points); JavaScript strings index
// UTF-16 code units, so spans are cut with Array.from (code points), never String.slice.

export const $ = (id) => document.getElementById(id);
export const KEY_STORE = "cited-rag-api-key"; // the API key, kept for this tab only

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role") node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

// Cut text at code-point offsets [start, end): returns [before, inside, after].
export function splitSpan(text, start, end) {
  const cps = Array.from(text);
  return [cps.slice(0, start).join(""), cps.slice(start, end).join(""), cps.slice(end).join("")];
}

export function headers(extra = {}) {
  const h = { ...extra };
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

export async function problemMessage(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

export function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

// Listeners for "this request needs an API key" (the key form asks for it).
const keyListeners = [];
export function onKeyNeeded(fn) { keyListeners.push(fn); }
export function keyNeeded(retry) { for (const fn of keyListeners) fn(retry); }

// A JSON request to the API: the parsed body, or an Error with the problem's detail.
export async function api(path, { method = "GET", body, signal } = {}) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}), signal };
  if (body) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (response.status === 401) keyNeeded(null);
  if (!response.ok) throw new Error(await problemMessage(response));
  return response.status === 204 ? null : response.json();
}

// What the page knows about each document: title and publication date.
export const meta = new Map(); // doc_id -> {title, published}
export function remember(docId, title, published) {
  const old = meta.get(docId) || {};
  meta.set(docId, { title: title || old.title || "", published: published ?? old.published ?? null });
}
export const titleOf = (docId) => (meta.get(docId) || {}).title || docId;
export const dateOf = (docId) => (meta.get(docId) || {}).published || "undated";

// Polls a job (GET /v1/jobs/{id}) until done or failed, telling onState each state.
export async function followJob(url, onState, pollMs = 400) {
  for (;;) {
    const response = await fetch(url, { headers: headers() });
    if (!response.ok) throw new Error(`the job cannot be read (HTTP ${response.status})`);
    const job = await response.json();
    onState(job);
    if (job.state === "done" || job.state === "failed") return job;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
