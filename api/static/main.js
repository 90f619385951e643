// The question page: wires the modules together. No build step, no framework.
import { $, KEY_STORE, onKeyNeeded, showError, splitSpan } from "./dom.js";
import { answerText, replay, state } from "./answer.js";
import { ask, stop } from "./ask.js";
import { initBriefing } from "./briefing.js";
import { deepLink, forgetDocuments, fromHash, initDocView } from "./docview.js";
import { loadDocuments } from "./documents.js";
import { initFilters, loadModes } from "./filters.js";
import { initHistory } from "./history.js";
import { initUpload } from "./upload.js";

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

function askTyped(text) {
  $("question").value = text;
  if (checkLength() && text.trim()) ask(text.trim());
}

async function copyAnswer() {
  const text = answerText();
  try {
    await navigator.clipboard.writeText(text);
    $("copy-status").textContent = "copied";
  } catch {
    $("copy-status").textContent = "the clipboard is not available here";
  }
}

let retry = null;
onKeyNeeded((fn) => {
  retry = fn;
  $("key-form").hidden = false;
  $("api-key").focus();
});
$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORE, key);
  $("key-form").hidden = true;
  showError("");
  forgetDocuments();
  loadDocuments();
  loadModes();
  if (retry) retry();
  else fromHash();
});

$("question").addEventListener("input", checkLength);
checkLength();
$("ask-form").addEventListener("submit", (e) => {
  e.preventDefault();
  askTyped($("question").value);
});
for (const b of document.querySelectorAll(".example")) b.addEventListener("click", () => askTyped(b.textContent));
$("stop-button").addEventListener("click", stop);
$("copy-answer").addEventListener("click", copyAnswer);
$("copy-link").addEventListener("click", async () => {
  try { await navigator.clipboard.writeText(location.href); $("copy-status").textContent = "link copied"; } catch { $("copy-status").textContent = location.href; }
});

initDocView();
initFilters();
initHistory((entry) => { $("question").value = entry.question; checkLength(); replay(entry); });
initUpload(loadDocuments);
initBriefing();
loadDocuments();

const shared = new URLSearchParams(location.search).get("q"); // a shared link asks at once
if (shared) askTyped(shared);

// For tests and the curious: the last answer and the offset helper.
window.citedRag = { state, splitSpan, deepLink, answerText };
