// The question page: streams an answer from POST /v1/ask (Server-Sent Events over fetch),
// shows numbered citation chips, and opens a cited span in its document.
// Offsets from the API are Python string indices (code points); JavaScript strings index
// UTF-16 code units, so spans are cut with Array.from (code points), never String.slice.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY_STORE = "cited-rag-api-key";
  const docs = new Map(); // doc_id -> Promise of the document JSON
  const titles = new Map(); // doc_id -> title, from retrieval results
  let controller = null;
  let pendingQuestion = null;
  const state = { answer: null, citations: new Map(), retrieved: [], open: null };

  // -- helpers ------------------------------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("data-")) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) node.append(c);
    return node;
  }

  // Cut text at code-point offsets [start, end): returns [before, inside, after].
  function splitSpan(text, start, end) {
    const cps = Array.from(text);
    return [
      cps.slice(0, start).join(""),
      cps.slice(start, end).join(""),
      cps.slice(end).join(""),
    ];
  }

  function headers(extra = {}) {
    const h = { ...extra };
    const key = sessionStorage.getItem(KEY_STORE);
    if (key) h.Authorization = `Bearer ${key}`;
    return h;
  }

  async function problemMessage(response) {
    try {
      const body = await response.json();
      return body.detail || body.title || `HTTP ${response.status}`;
    } catch {
      return `HTTP ${response.status}`;
    }
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }

  function needKey(question) {
    pendingQuestion = question;
    $("key-form").hidden = false;
    $("api-key").focus();
  }

  // -- Server-Sent Events over a fetch body --------------------------------------------------
  function parseFrame(frame) {
    let event = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    return data.length ? { event, data: JSON.parse(data.join("\n")) } : null;
  }

  async function* sseEvents(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      buffer = buffer.replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = parseFrame(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (frame) yield frame;
      }
      if (done) break;
    }
    const last = buffer.trim() ? parseFrame(buffer) : null;
    if (last) yield last;
  }

  // -- rendering the answer --------------------------------------------------------------------
  function chip(citation) {
    const b = el("button", {
      type: "button",
      class: "chip",
      text: String(citation.marker),
      title: `${titles.get(citation.doc_id) || citation.doc_id}: “${citation.quote}”`,
      "data-marker": String(citation.marker),
      "data-doc": citation.doc_id,
      "data-start": String(citation.start),
      "data-end": String(citation.end),
    });
    b.setAttribute("aria-label", `Source ${citation.marker}`);
    b.addEventListener("click", () => openCitation(citation));
    return b;
  }

  // A sentence with its [n] markers turned into chips.
  function sentenceNode(marked) {
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

  function setStatus(status, text) {
    const badge = $("status");
    badge.className = `badge ${status}`;
    badge.textContent = text || status;
  }

  function resetAnswer() {
    state.answer = null;
    state.citations = new Map();
    state.retrieved = [];
    $("answer").hidden = false;
    $("answer-text").replaceChildren();
    $("missing").hidden = true;
    $("conflicts").hidden = true;
    $("sources").hidden = true;
    $("retrieved").hidden = true;
    $("conflict-list").replaceChildren();
    $("source-list").replaceChildren();
    $("retrieved-list").replaceChildren();
    setStatus("searching", "searching…");
    $("progress").textContent = "";
    showError("");
  }

  function onRetrieval(data) {
    state.retrieved = data.results;
    for (const hit of data.results) if (hit.title) titles.set(hit.doc_id, hit.title);
    $("progress").textContent = `${data.results.length} passages retrieved`;
    const list = $("retrieved-list");
    for (const hit of data.results) {
      const link = el("a", { href: deepLink(hit.doc_id, hit.start, hit.end), text: hit.title || hit.doc_id });
      const snippet = hit.text.length > 180 ? `${hit.text.slice(0, 180)}…` : hit.text;
      list.append(el("li", {}, el("span", { class: "score", text: hit.score.toFixed(2) }), link, el("div", { text: snippet })));
    }
    $("retrieved-summary").textContent = `${data.results.length} passages searched`;
    $("retrieved").hidden = data.results.length === 0;
  }

  function onSentence(data) {
    for (const c of data.citations) state.citations.set(c.marker, c);
    $("answer-text").append(sentenceNode(data.marked || data.text));
    setStatus("searching", "writing…");
  }

  function onDone(answer) {
    state.answer = answer;
    for (const c of answer.citations) state.citations.set(c.marker, c);
    const text = $("answer-text");
    if (!answer.sentences.length) {
      text.replaceChildren(el("p", { class: "sentence", text: answer.answer }));
    }
    if (!(answer.conflicts || []).length || answer.status === "unanswerable") setStatus(answer.status);
    else setStatus("conflict", `${answer.status === "partial" ? "partial · " : ""}sources disagree`);
    const t = answer.timings_ms && answer.timings_ms.total;
    $("progress").textContent = t ? `${Math.round(t)} ms · ${answer.mode}` : answer.mode;
    if (answer.missing && answer.missing.length) {
      $("missing").textContent = `Not covered by the corpus: ${answer.missing.join("; ")}.`;
      $("missing").hidden = false;
    }
    renderConflicts(answer.conflicts || []);
    renderSources(answer.citations);
  }

  function renderConflicts(conflicts) { // a block per quantity: each value, its source, chips
    const list = $("conflict-list");
    for (const conflict of conflicts) {
      const values = el("ul");
      for (const v of conflict.values) {
        const from = `according to ${titles.get(v.doc_id) || v.doc_id}`;
        const li = el("li", { class: "conflict-value" },
          el("span", { class: "value", text: v.value }), el("span", { class: "from", text: from }));
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

  function renderSources(citations) {
    const list = $("source-list");
    for (const c of citations) {
      list.append(
        el("li", { class: "source" },
          chip(c),
          el("span", { class: "title", text: titles.get(c.doc_id) || c.doc_id }),
          el("blockquote", { text: c.quote })),
      );
    }
    $("sources").hidden = citations.length === 0;
  }

  // -- asking ---------------------------------------------------------------------------------
  async function ask(question) {
    if (controller) controller.abort();
    controller = new AbortController();
    resetAnswer();
    $("ask-button").disabled = true;
    try {
      const response = await fetch("/v1/ask", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify({ question, stream: true }),
        signal: controller.signal,
      });
      if (response.status === 401) {
        $("answer").hidden = true;
        needKey(question);
        showError(await problemMessage(response));
        return;
      }
      if (!response.ok) throw new Error(await problemMessage(response));
      for await (const { event, data } of sseEvents(response)) {
        if (event === "retrieval") onRetrieval(data);
        else if (event === "sentence") onSentence(data);
        else if (event === "done") onDone(data);
        else if (event === "error") throw new Error(data.detail || data.title);
      }
    } catch (err) {
      if (err.name === "AbortError") return;
      setStatus("error", "error");
      showError(err.message || String(err));
    } finally {
      $("ask-button").disabled = false;
    }
  }

  // -- the document panel -----------------------------------------------------------------------
  function deepLink(docId, start, end) {
    return `#doc=${encodeURIComponent(docId)}&start=${start}&end=${end}`;
  }

  function fetchDocument(docId) {
    if (!docs.has(docId)) {
      const p = fetch(`/v1/documents/${encodeURIComponent(docId)}`, { headers: headers() })
        .then(async (r) => {
          if (r.status === 401) needKey(null);
          if (!r.ok) throw new Error(await problemMessage(r));
          return r.json();
        });
      p.catch(() => docs.delete(docId));
      docs.set(docId, p);
    }
    return docs.get(docId);
  }

  function openCitation(c) {
    const link = deepLink(c.doc_id, c.start, c.end);
    if (location.hash === link) openDocument(c.doc_id, c.start, c.end);
    else location.hash = link; // the hashchange handler opens it
  }

  async function openDocument(docId, start, end) {
    state.open = { docId, start, end };
    $("layout").classList.add("with-doc");
    $("doc-panel").hidden = false;
    $("doc-title").textContent = titles.get(docId) || docId;
    $("doc-meta").textContent = "loading…";
    $("doc-text").replaceChildren();
    let doc;
    try {
      doc = await fetchDocument(docId);
    } catch (err) {
      $("doc-meta").textContent = "";
      $("doc-text").replaceChildren(el("p", { class: "error", text: err.message }));
      return;
    }
    const open = state.open;
    if (!open || open.docId !== docId || open.start !== start || open.end !== end) return;
    titles.set(docId, doc.title);
    $("doc-title").textContent = doc.title || docId;
    $("doc-meta").textContent = [doc.published, doc.source || docId].filter(Boolean).join(" · ");
    const box = $("doc-text");
    const length = Array.from(doc.text).length;
    if (Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= length) {
      const [before, inside, after] = splitSpan(doc.text, start, end);
      const mark = el("mark", { id: "highlight", text: inside });
      box.replaceChildren(before, mark, after);
      // centre the span inside the panel; bring the panel itself into view only if needed
      box.scrollTop = Math.max(0, mark.offsetTop - (box.clientHeight - mark.offsetHeight) / 2);
      const top = $("doc-panel").getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.5) $("doc-panel").scrollIntoView({ block: "start" });
    } else {
      box.replaceChildren(doc.text);
      box.scrollTop = 0;
    }
    for (const b of document.querySelectorAll(".chip")) {
      const same = b.dataset.doc === docId && Number(b.dataset.start) === start && Number(b.dataset.end) === end;
      b.classList.toggle("active", same);
    }
  }

  function closeDocument() {
    state.open = null;
    $("doc-panel").hidden = true;
    $("layout").classList.remove("with-doc");
    for (const b of document.querySelectorAll(".chip.active")) b.classList.remove("active");
    if (location.hash) history.pushState(null, "", location.pathname + location.search);
  }

  function fromHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const docId = params.get("doc");
    if (!docId) {
      if (state.open) closeDocument();
      return;
    }
    const start = params.has("start") ? Number(params.get("start")) : NaN;
    const end = params.has("end") ? Number(params.get("end")) : NaN;
    openDocument(docId, start, end);
  }

  // -- the question's length: counted as the server counts it (code points), never cut --------
  const MAX_CHARS = Number($("question").dataset.maxChars) || 1000;

  function checkLength() {
    const n = Array.from($("question").value.trim()).length;
    const over = n > MAX_CHARS;
    const [count, max] = [n.toLocaleString("en"), MAX_CHARS.toLocaleString("en")];
    $("char-count").textContent = `${count} / ${max}`;
    $("char-count").classList.toggle("over", over);
    $("question").classList.toggle("over", over);
    $("limit-message").textContent = over ? `The question is ${count} characters long; the limit is ${max}. Shorten it to ask.` : "";
    $("limit-message").hidden = !over;
    return !over;
  }

  // -- wiring -----------------------------------------------------------------------------------
  $("question").addEventListener("input", checkLength);
  checkLength();
  $("ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const question = $("question").value.trim();
    if (question && checkLength()) ask(question);
  });
  for (const b of document.querySelectorAll(".example")) {
    b.addEventListener("click", () => {
      $("question").value = b.textContent;
      checkLength();
      ask(b.textContent);
    });
  }
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    $("key-form").hidden = true;
    showError("");
    docs.clear();
    if (pendingQuestion) ask(pendingQuestion);
    else fromHash();
  });
  $("doc-close").addEventListener("click", closeDocument);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.open) closeDocument();
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();

  // For tests and the curious: the last answer and the offset helper.
  window.citedRag = { state, splitSpan, deepLink };
})();
