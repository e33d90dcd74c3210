// Pillars charts: draws every element with data-chart="<id of a json_script block>" with Plotly.
// Loaded with defer after static/vendor/plotly.min.js; redraws inside content swapped by htmx.
"use strict";
(function () {
  var phone = window.matchMedia("(max-width: 600px)");

  function draw(element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || !window.Plotly) return;
    var figure = JSON.parse(source.textContent);
    if (phone.matches && element.dataset.phoneHeight) {
      figure.layout.height = Number(element.dataset.phoneHeight);
      figure.layout.margin = {l: 36, r: 36, t: 24, b: 24};
    }
    window.Plotly.newPlot(element, figure.data, figure.layout, {
      displayModeBar: false,
      responsive: true,
      // On a phone a finger scrolling past a chart should not start a hover or a zoom.
      staticPlot: phone.matches,
    });
    element.classList.add("chart-ready");
  }

  function drawAll(root) {
    root.querySelectorAll("[data-chart]").forEach(draw);
  }

  drawAll(document);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.target);
  });
})();
