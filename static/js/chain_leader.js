/* Chain leader view: local vs elsewhere suppliers by year (bars) and the local supporting rate (line). */
(function () {
  "use strict";
  var el = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var d = JSON.parse(source.textContent);
  var labels = d.labels || {};
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 50, top: 36, bottom: 28 },
    xAxis: { type: "category", data: d.years },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
    ],
    series: [
      { name: labels.local || "local", type: "bar", stack: "s", data: d.local, itemStyle: { color: "#2fb344" } },
      { name: labels.elsewhere || "elsewhere", type: "bar", stack: "s", data: d.elsewhere, itemStyle: { color: "#adb5bd" } },
      { name: labels.rate || "rate", type: "line", yAxisIndex: 1, data: d.rate, itemStyle: { color: "#206bc4" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
