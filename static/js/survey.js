// Survey: small enhancements on top of pages that work without JavaScript.
"use strict";

// Autosave answers with 400/409/422 carry a message for the save status: show it.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400 && status < 500 && event.detail.target && event.detail.target.id === "save-status") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
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
    target.textContent = target.dataset.offlineMessage || "Not saved: check your connection.";
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
    fieldset.classList.remove("item-missing");
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
