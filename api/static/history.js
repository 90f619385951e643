// The session's questions: a list to show an answer again without asking, kept for this tab.
import { $, el } from "./dom.js";

const entries = []; // {question, asked, answer, retrieved, marked, seconds}
let onPick = () => {};

export const questions = () => entries.map((e) => e.question);
export const entriesOf = () => entries;

function render() {
  const list = $("history-list");
  list.replaceChildren();
  entries.forEach((e, i) => {
    const label = e.asked !== e.question ? `${e.question} → ${e.asked}` : e.question;
    const b = el("button", { type: "button", class: "history-item", text: label, "data-index": String(i) });
    b.addEventListener("click", () => onPick(e));
    list.append(el("li", {}, b));
  });
  $("history").hidden = entries.length === 0;
  $("followup-row").hidden = entries.length === 0;
}

export function record(entry) {
  entries.push(entry);
  render();
}

export function initHistory(pick) {
  onPick = pick;
  render();
}
