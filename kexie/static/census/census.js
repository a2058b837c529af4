/* The census charts: read the figures the page prints as JSON (json_script "census-data") and draw one
   ECharts bar chart per breakdown. Runs on load and again after every htmx swap of the results, so
   the charts follow the filters. The tables beside the charts carry the same figures. */
(function () {
  "use strict";
  var charts = [];

  function dispose() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  }

  function option(b, countLabel) {
    var many = b.labels.length > 6;
    var category = { type: "category", data: b.labels, axisLabel: { interval: 0 } };
    var value = { type: "value", name: countLabel, minInterval: 1 };
    if (many) {
      category.inverse = true;
    } else {
      category.axisLabel.rotate = b.labels.some(function (l) { return l.length > 4; }) ? 20 : 0;
    }
    return {
      aria: { enabled: true },
      animation: false,
      // Plain-text tooltips: the HTML ones carry style attributes that the CSP forbids.
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      xAxis: many ? value : category,
      yAxis: many ? category : value,
      series: [{ type: "bar", name: countLabel, data: b.values, barMaxWidth: 36,
                 label: { show: true, position: many ? "right" : "top" } }]
    };
  }

  function render() {
    dispose();
    var node = document.getElementById("census-data");
    if (!node || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    data.breakdowns.forEach(function (b) {
      var el = document.querySelector('#census-results .census-chart[data-key="' + b.key + '"]');
      if (!el || !b.labels.length) { return; }
      var many = b.labels.length > 6;
      el.style.height = (many ? Math.max(240, 26 * b.labels.length + 60) : 280) + "px";
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(b, data.count_label));
      charts.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", render);
  // The chart containers carry no id: htmx would otherwise "settle" the old container's style attribute
  // onto the new one by setAttribute, which the CSP refuses. Drop the old charts before the swap.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail && evt.detail.target;
    if (target && target.id === "census-results") { dispose(); }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.target && evt.target.id === "census-results") { render(); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
