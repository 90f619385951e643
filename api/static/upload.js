// Uploads an article: POST /v1/documents answers 202 with a job at once; the page polls the
// job (GET /v1/jobs/{id}, its Location) and shows queued -> running -> done or failed.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY_STORE = "cited-rag-api-key"; // the key app.js keeps for this tab
  const POLL_MS = 400;
  const history = []; // the states shown, in order (data-history, for tests and curious users)

  function headers() {
    const key = sessionStorage.getItem(KEY_STORE);
    return key ? { Authorization: `Bearer ${key}` } : {};
  }

  function show(state, detail) {
    const badge = $("upload-status");
    if (history[history.length - 1] !== state) history.push(state);
    badge.textContent = state;
    badge.className = `badge ${state}`;
    badge.hidden = false;
    badge.dataset.history = history.join(" ");
    $("upload-detail").textContent = detail || "";
  }

  function describe(job) {
    if (job.state === "queued") {
      return job.queue_position ? `${job.queue_position} job(s) ahead` : "next in line";
    }
    if (job.state === "running") return `indexing ${job.doc_id}…`;
    if (job.state === "done") {
      const ingest = job.result.ingest;
      return `${job.doc_id}: ${ingest.passages} passages in the index (${ingest.seconds.toFixed(1)} s)`;
    }
    return job.error ? job.error.detail : "the upload failed";
  }

  async function poll(url) {
    for (;;) {
      const response = await fetch(url, { headers: headers() });
      if (!response.ok) throw new Error(`the job cannot be read (HTTP ${response.status})`);
      const job = await response.json();
      show(job.state, describe(job));
      if (job.state === "done" || job.state === "failed") return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async function upload(event) {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) return;
    history.length = 0;
    $("upload-button").disabled = true;
    show("uploading", file.name);
    try {
      const body = new FormData();
      body.append("file", file, file.name);
      const response = await fetch("/v1/documents", { method: "POST", body, headers: headers() });
      let data = {};
      try { data = await response.json(); } catch { /* not JSON: the status says enough */ }
      if (response.status === 202 || response.status === 201) {
        show(data.state, describe(data));
        if (data.state !== "done") await poll(data.location);
      } else {
        show("failed", data.detail || `HTTP ${response.status}`);
      }
    } catch (err) {
      show("failed", String(err.message || err));
    } finally {
      $("upload-button").disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("upload-form").addEventListener("submit", upload);
  });
})();
