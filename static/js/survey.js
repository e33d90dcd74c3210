// Survey: small enhancements on top of pages that work without JavaScript.
"use strict";

// The autosave's own refusals (marked X-Save-Status) carry a short message for the status line:
// show it. Anything else that is not a success (a proxy's or the server's error page, a CSRF
// refusal) never goes into the line: it says, briefly, that nothing was saved.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const xhr = event.detail.xhr;
  if (!target || target.id !== "save-status" || xhr.status < 300) {
    return;
  }
  if (xhr.status < 500 && xhr.getResponseHeader("X-Save-Status")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    return;
  }
  event.detail.shouldSwap = false;
  const message = document.createElement("span");
  message.className = "save-error";
  message.textContent = target.dataset.errorMessage || "Not saved.";
  target.replaceChildren(message);
});

// The status says "Saving…" while a request is in flight, so people know to wait a moment.
document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail.target;
  if (target && target.id === "save-status") {
    target.dataset.saving = "true";
  }
});
document.addEventListener("htmx:afterRequest", (event) => {
  const target = event.detail.target;
  if (target && target.id === "save-status") {
    delete target.dataset.saving;
  }
});

// A network failure must not look like a saved answer.
document.addEventListener("htmx:sendError", (event) => {
  const target = event.detail.target;
  if (target && target.id === "save-status") {
    const message = document.createElement("span");
    message.className = "save-error";
    message.textContent = target.dataset.offlineMessage || "Not saved: check your connection.";
    target.replaceChildren(message);
  }
});

// A comment's length as the server counts it (characters, not UTF-16 units), beside the box.
// Over the limit the server refuses the whole comment rather than cut it, and this says so first.
const numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined);
function commentCount(box) {
  const count = document.getElementById(box.dataset.count);
  const limit = Number(box.dataset.limit);
  if (!count || !limit) {
    return;
  }
  const length = Array.from(box.value).length;
  const over = length > limit;
  const template = over ? count.dataset.over : count.dataset.left;
  count.textContent = template.replace("__N__", numberFormat.format(over ? length - limit : length));
  count.classList.toggle("comment-count-over", over);
  box.setAttribute("aria-invalid", over ? "true" : "false");
}
document.querySelectorAll("textarea[data-limit]").forEach(commentCount);
document.addEventListener("input", (event) => {
  if (event.target.matches("textarea[data-limit]")) {
    commentCount(event.target);
  }
});

// After a refused step, move focus to the explanation so screen readers announce it.
document.addEventListener("DOMContentLoaded", () => {
  const error = document.querySelector("[data-focus-on-load]");
  if (error) {
    error.focus();
  }
});

// Keep the step's count and the progress bar in step with the answers as they are chosen.
document.addEventListener("change", (event) => {
  const form = event.target.closest(".survey-form");
  const progress = document.querySelector("[data-survey-progress]");
  if (!form || !progress) {
    return;
  }
  const fieldset = event.target.closest("fieldset.item");
  if (fieldset) {
    // Answered now: the "Choose an answer" under it, and its line in the list at the top, go.
    fieldset.classList.remove("item-missing");
    fieldset.querySelectorAll(".item-error").forEach((hint) => hint.remove());
    const missing = document.querySelector(`.missing-list a[href="#${fieldset.id}"]`);
    if (missing) {
      const list = missing.closest(".missing-list");
      missing.closest("li").remove();
      if (list && !list.children.length) {
        list.closest("[role=alert]")?.remove();
      }
    }
  }
  const answered = Array.from(form.querySelectorAll("fieldset.item")).filter(
    (item) => item.querySelector("input:checked"),
  ).length;
  const total = Number(progress.dataset.total) || 1;
  const percent = Math.round((100 * (Number(progress.dataset.other) + answered)) / total);
  const count = progress.querySelector("[data-count]");
  if (count && count.dataset.template) {
    count.textContent = count.dataset.template.replace("__N__", String(answered));
  }
  const bar = progress.querySelector("[role=progressbar]");
  if (bar) {
    bar.setAttribute("aria-valuenow", String(percent));
    bar.firstElementChild.style.width = `${percent}%`;
  }
});
