// The team debrief: one step per screen, moved by arrows, space, PageUp/PageDown (what
// clickers send), Home/End, or the Back/Next buttons. Without script every step shows, one
// under the other, as in print. The address keeps the step (#id) so a reload stays put.
(function () {
  "use strict";
  var root = document.querySelector("[data-debrief]");
  if (!root) return;
  var steps = Array.prototype.slice.call(root.querySelectorAll(".debrief-step"));
  var counter = root.querySelector("[data-step-count]");
  var prev = root.querySelector("[data-step-prev]");
  var next = root.querySelector("[data-step-next]");
  var current = 0;
  root.classList.add("debrief-live");

  function show(index, focus) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    steps.forEach(function (step, i) { step.hidden = i !== current; });
    counter.textContent = (current + 1) + " / " + steps.length;
    prev.disabled = current === 0;
    next.disabled = current === steps.length - 1;
    if (history.replaceState) history.replaceState(null, "", "#" + steps[current].id);
    if (focus) {
      var heading = steps[current].querySelector("h1, h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  }

  var start = steps.findIndex(function (step) { return "#" + step.id === location.hash; });
  show(start < 0 ? 0 : start, false);
  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.closest && target.closest("input, textarea, select, button, a, summary")) {
      // Typing in the form, or pressing a focused button or link, is not a step.
      return;
    }
    var forward = ["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"];
    var back = ["ArrowLeft", "ArrowUp", "PageUp", "Backspace"];
    if (forward.indexOf(event.key) >= 0) { event.preventDefault(); show(current + 1, true); }
    else if (back.indexOf(event.key) >= 0) { event.preventDefault(); show(current - 1, true); }
    else if (event.key === "Home") { event.preventDefault(); show(0, true); }
    else if (event.key === "End") { event.preventDefault(); show(steps.length - 1, true); }
  });
})();
