/* 三资报表的图表: reads the figures from the <script type="application/json" id="chart-data">
   element (Django's json_script, no inline script: CSP) and draws each <div data-chart="key">
   with the vendored ECharts. The same figures are in the table below each chart, so the page
   works without JavaScript, prints and reads aloud. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = data[el.getAttribute("data-chart")];
      if (!spec) { return; }
      var option = {
        title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", confine: true },
        grid: { left: 8, right: 8, bottom: 8, top: 48, containLabel: true },
        animation: false,
        aria: { enabled: true }
      };
      if (spec.kind === "pie") {
        option.legend = { bottom: 0 };
        option.series = [{
          type: "pie", radius: ["35%", "62%"], top: 24, bottom: 24,
          data: spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; })
        }];
      } else {
        var series = spec.kind === "bars" ? spec.series : [{ name: spec.title, values: spec.values }];
        option.xAxis = { type: "category", data: spec.labels, axisLabel: { interval: 0, hideOverlap: true } };
        option.yAxis = { type: "value" };
        if (spec.kind === "bars") { option.legend = { top: 22 }; option.grid.top = 64; }
        option.series = series.map(function (s) { return { name: s.name, type: "bar", data: s.values }; });
      }
      el.classList.add("drawn");  /* the box gets its size before ECharts measures it */
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
