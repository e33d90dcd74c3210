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
      // Room for two-line pillar names beside a smaller polygon.
      figure.layout.margin = {l: 78, r: 78, t: 48, b: 24};
      figure.layout.font = Object.assign({}, figure.layout.font, {size: 11});
    }
    if (phone.matches && element.dataset.phoneLabelsAbove !== undefined) labelsAbove(figure);
    window.Plotly.newPlot(element, figure.data, figure.layout, {
      displayModeBar: false,
      responsive: true,
      // On a phone a finger scrolling past a chart should not start a hover or a zoom.
      staticPlot: phone.matches,
    });
    element.classList.add("chart-ready");
  }

  // Horizontal bars on a phone: long category labels would squeeze the bars to a sliver, so
  // each label moves above its bar.
  function labelsAbove(figure) {
    var labels = figure.data.length ? figure.data[0].y : [];
    figure.layout.yaxis = Object.assign({}, figure.layout.yaxis, {showticklabels: false});
    figure.layout.annotations = labels.map(function (label) {
      return {
        x: 0, y: label, xref: "x", yref: "y", xanchor: "left", yanchor: "bottom", yshift: 17,
        showarrow: false, align: "left", text: label, font: {size: 11},
      };
    });
    figure.layout.bargap = 0.6;
    figure.layout.height = labels.length * 80 + 150;
    figure.layout.margin = {l: 4, r: 8, t: 34, b: 10};
  }

  function drawAll(root) {
    root.querySelectorAll("[data-chart]").forEach(draw);
  }

  drawAll(document);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.target);
  });
})();
