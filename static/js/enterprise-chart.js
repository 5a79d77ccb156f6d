// Bar chart of an enterprise's output value by year (亿元) on the enterprise page.
// Data comes from the json_script element "output-chart-data": {years: [...], output_yi: ["233.00", ...]}.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("output-chart");
    var source = document.getElementById("output-chart-data");
    if (!el || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.years.length) { el.hidden = true; return; }
    el.style.height = "220px";
    el.style.width = "100%";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 24, bottom: 4, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + " 亿元"; } },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", name: "亿元", nameTextStyle: { align: "left" } },
      series: [{
        name: el.dataset.seriesName || "",
        type: "bar",
        barMaxWidth: 40,
        data: data.output_yi.map(Number),
        label: { show: true, position: "top", formatter: function (p) { return data.output_yi[p.dataIndex]; } },
        itemStyle: { color: "#206bc4" }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
