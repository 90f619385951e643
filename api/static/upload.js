// Uploads an article: POST /v1/documents answers 202 with a job at once; the page follows the
// job (GET /v1/jobs/{id}, its Location) and shows queued -> running -> done or failed.
import { $, followJob, headers } from "./dom.js";

const shown = []; // the states shown, in order (data-history, for tests and curious users)

function show(state, detail) {
  const badge = $("upload-status");
  if (shown[shown.length - 1] !== state) shown.push(state);
  badge.textContent = state;
  badge.className = `badge ${state}`;
  badge.hidden = false;
  badge.dataset.history = shown.join(" ");
  $("upload-detail").textContent = detail || "";
}

function describe(job) {
  if (job.state === "queued") return job.queue_position ? `${job.queue_position} job(s) ahead` : "next in line";
  if (job.state === "running") return `indexing ${job.doc_id}…`;
  if (job.state === "done") {
    const ingest = job.result.ingest;
    return `${job.doc_id}: ${ingest.passages} passages in the index (${ingest.seconds.toFixed(1)} s)`;
  }
  return job.error ? job.error.detail : "the upload failed";
}

async function upload(file) {
  const body = new FormData();
  body.append("file", file, file.name);
  const response = await fetch("/v1/documents", { method: "POST", body, headers: headers() });
  let data = {};
  try { data = await response.json(); } catch { /* not JSON: the status says enough */ }
  if (response.status !== 202 && response.status !== 201) {
    show("failed", data.detail || `HTTP ${response.status}`);
    return false;
  }
  show(data.state, describe(data));
  if (data.state === "done") return true;
  const job = await followJob(data.location, (j) => show(j.state, describe(j)));
  return job.state === "done";
}

export function initUpload(onAdded) {
  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) return;
    shown.length = 0;
    $("upload-button").disabled = true;
    show("uploading", file.name);
    try {
      if (await upload(file)) await onAdded();
    } catch (err) {
      show("failed", String(err.message || err));
    } finally {
      $("upload-button").disabled = false;
    }
  });
}
