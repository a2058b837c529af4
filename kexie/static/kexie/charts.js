// One way for any page to draw ECharts (kexie/static/vendor/echarts): a container names the json_script that
// holds its chart, and this module draws it — on load and again after every htmx swap, so charts follow filters.
//
//   {{ spec|json_script:"chart-age" }}
//   <div class="chart" data-chart="chart-age" role="img" aria-label="…"></div>
//
// The JSON is either {"option": {…an ECharts option…}} or a short form {"kind": "bar", "labels": […],
// "values": […], "name": "人数"}. With data-chart-key="age" the container reads spec.charts.age of a shared
// json_script instead (one script for a page of charts, as the census does). Include the vendored
// echarts.min.js and this file with <script defer>; no inline script or style (the CSP allows only 'self').
(function () {
  "use strict";
  var drawn = [];  // [{el, chart}]

  function bar(spec) {
    var labels = spec.labels || [], many = labels.length > 6;
    var category = { type: "category", data: labels, axisLabel: { interval: 0 } };
    var value = { type: "value", name: spec.name || "", minInterval: 1 };
    if (many) {
      category.inverse = true;
    } else {
      category.axisLabel.rotate = labels.some(function (l) { return String(l).length > 4; }) ? 20 : 0;
    }
    return {
      option: {
        grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: many ? value : category,
        yAxis: many ? category : value,
        series: [{ type: "bar", name: spec.name || "", data: spec.values || [], barMaxWidth: 36,
                   label: { show: true, position: many ? "right" : "top" } }]
      },
      height: many ? Math.max(240, 26 * labels.length + 60) : 280
    };
  }

  function pie(spec) {
    var labels = spec.labels || [], values = spec.values || [];
    return {
      option: {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", name: spec.name || "", radius: ["35%", "65%"],
                   data: labels.map(function (l, i) { return { name: l, value: values[i] }; }) }]
      },
      height: 280
    };
  }

  var KINDS = { bar: bar, pie: pie };

  function build(spec) {
    var made = spec.option ? { option: spec.option, height: spec.height || 280 } : (KINDS[spec.kind] || bar)(spec);
    var option = made.option;
    option.aria = option.aria || { enabled: true };
    option.animation = false;
    // Plain-text tooltips: the HTML ones carry style attributes that the CSP forbids.
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    return made;
  }

  function specFor(el) {
    var node = document.getElementById(el.getAttribute("data-chart"));
    if (!node) { return null; }
    var spec = JSON.parse(node.textContent);
    var key = el.getAttribute("data-chart-key");
    if (key) { spec = spec.charts && spec.charts[key]; }
    if (!spec || (!spec.option && !(spec.labels && spec.labels.length))) { return null; }
    return spec;
  }

  function forget(root) {
    drawn = drawn.filter(function (d) {
      if (root && !root.contains(d.el) && document.body.contains(d.el)) { return true; }
      d.chart.dispose();
      return false;
    });
  }

  function draw(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (drawn.some(function (d) { return d.el === el; })) { return; }
      var spec = specFor(el);
      if (!spec) { return; }
      var made = build(spec);
      el.style.height = made.height + "px";  // CSSOM, not a style attribute: allowed by the CSP
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(made.option);
      drawn.push({ el: el, chart: chart });
    });
  }

  window.kexieCharts = { draw: draw, forget: forget };
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // Chart containers carry no id: htmx would otherwise "settle" the old container's style attribute onto the
  // new one by setAttribute, which the CSP refuses. Drop the charts of the swapped part before the swap.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail && evt.detail.target;
    if (target) { forget(target); }
  });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.target || document); });
  window.addEventListener("resize", function () { drawn.forEach(function (d) { d.chart.resize(); }); });
}());
