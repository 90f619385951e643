// Briefings from the page: POST /v1/briefings (format html) with the topic and the filters,
// shown in a frame, printable and downloadable as the self-contained file the server wrote.
// The page's CSP (style-src 'self') also binds the frame, so the briefing's own <style> and
// style="" are applied through the CSSOM, which the CSP does not restrict.
import { $, headers, problemMessage } from "./dom.js";
import { currentFilters, currentLlm } from "./filters.js";

let download = null; // the object URL of the last briefing

function adoptStyles(frame) {
  const doc = frame.contentDocument;
  const win = frame.contentWindow;
  if (!doc || !win) return;
  const sheets = [];
  for (const style of doc.querySelectorAll("style")) {
    const sheet = new win.CSSStyleSheet();
    sheet.replaceSync(style.textContent);
    sheets.push(sheet);
  }
  doc.adoptedStyleSheets = sheets;
  for (const node of doc.querySelectorAll("[style]")) node.style.cssText = node.getAttribute("style");
}

function slug(topic) {
  return topic.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "briefing";
}

async function brief(topic) {
  const status = $("brief-status");
  status.textContent = "writing the briefing…";
  $("brief-button").disabled = true;
  try {
    const body = { topic, format: "html", filters: currentFilters(), llm: currentLlm() };
    const response = await fetch("/v1/briefings", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await problemMessage(response));
    const html = await response.text();
    const frame = $("brief-frame");
    frame.onload = () => adoptStyles(frame);
    frame.srcdoc = html;
    if (download) URL.revokeObjectURL(download);
    download = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    $("brief-download").href = download;
    $("brief-download").download = `${slug(topic)}.html`;
    $("brief-result").hidden = false;
    status.textContent = "";
  } catch (err) {
    status.textContent = `No briefing: ${err.message}`;
  } finally {
    $("brief-button").disabled = false;
  }
}

export function initBriefing() {
  $("brief-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const topic = $("brief-topic").value.trim();
    if (topic) brief(topic);
  });
  $("brief-print").addEventListener("click", () => $("brief-frame").contentWindow.print());
}
