// Asking: a streamed answer from POST /v1/ask, with a Stop button, the elapsed time, a
// shareable /?q= link, follow-ups made standalone by POST /v1/followup, and the previous
// answer left in place until the new one starts.
import { $, api, headers, keyNeeded, problemMessage, showError } from "./dom.js";
import { onDone, onRetrieval, onSentence, resetAnswer, setBusy, setStatus, state } from "./answer.js";
import { questions, record } from "./history.js";
import { currentFilters, currentLlm } from "./filters.js";
import { sseEvents } from "./sse.js";

let controller = null;
let timer = null;
let started = false; // whether the new answer has replaced the old one

function startClock() {
  const t0 = performance.now();
  const show = () => { $("elapsed").textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s`; };
  show();
  timer = setInterval(show, 100);
  return () => (performance.now() - t0) / 1000;
}

function streaming(on) {
  $("ask-button").disabled = on;
  $("stop-button").hidden = !on;
  $("elapsed").hidden = !on;
  if (!on && timer) { clearInterval(timer); timer = null; }
  if (on) setBusy(true);
}

async function standalone(question) { // the question with its subject from earlier ones
  const before = questions();
  if (!before.length || !$("followup").checked) return question;
  try {
    return (await api("/v1/followup", { method: "POST", body: { questions: [...before, question] } })).question;
  } catch {
    return question; // the rewrite is a convenience: ask the question as typed
  }
}

function share(question) {
  history.replaceState(null, "", `/?q=${encodeURIComponent(question)}${location.hash}`);
}

async function stream(response, elapsed) {
  for await (const { event, data } of sseEvents(response)) {
    if (!started) { resetAnswer(); setBusy(true); started = true; } // the old answer goes now
    if (event === "retrieval") onRetrieval(data);
    else if (event === "sentence") onSentence(data);
    else if (event === "done") onDone(data, elapsed());
    else if (event === "error") throw new Error(data.detail || data.title);
  }
}

export async function ask(question) {
  if (controller) controller.abort();
  const mine = (controller = new AbortController());
  showError("");
  started = false;
  streaming(true);
  const elapsed = startClock();
  try {
    const asked = await standalone(question);
    $("asked-as").textContent = asked !== question ? `Asked as: ${asked}` : "";
    share(question);
    const body = { question: asked, stream: true, filters: currentFilters(), llm: currentLlm() };
    const response = await fetch("/v1/ask", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify(body),
      signal: mine.signal,
    });
    if (response.status === 401) {
      keyNeeded(() => ask(question));
      throw new Error(await problemMessage(response));
    }
    if (!response.ok) throw new Error(await problemMessage(response));
    await stream(response, elapsed);
    if (state.answer) record({ question, asked, answer: state.answer, retrieved: state.retrieved, marked: [...state.marked], seconds: elapsed() });
  } catch (err) {
    if (err.name === "AbortError") {
      if (controller === mine && started) setStatus("stopped", "stopped");
      return;
    }
    setStatus("error", "error");
    showError(err.message || String(err));
  } finally {
    if (controller === mine) { streaming(false); setBusy(false); controller = null; }
  }
}

export function stop() {
  if (controller) controller.abort();
}
