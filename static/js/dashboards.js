/* Dashboard charts (ECharts). Data comes from the json_script block "dashboard-data"; every bar,
   point and map area links to the project list behind it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels;
  var charts = [];

  function make(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.on("click", function (p) {
      var url = (p.data && p.data.url) || (p.seriesIndex !== undefined && data._urls && data._urls[p.dataIndex]);
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
    return chart;
  }
  function fmt(v) { return Number(v).toFixed(2); }

  // County ranking: horizontal bars, largest on top.
  var ranking = make("chart-ranking");
  if (ranking) {
    var rows = data.ranking.slice().reverse();
    ranking.setOption({
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + fmt(p.value) + " " + L.yi + " · " + p.data.count + " " + L.projects; } },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ type: "bar", data: rows.map(function (r) { return { value: r.value, count: r.count, url: r.url }; }),
                 label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); } } }]
    });
  }

  // County map (示意图), only when the setting allows it.
  var mapEl = document.getElementById("chart-map");
  if (mapEl && data.map && data.map.enabled) {
    fetch(data.map.geojson).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap(data.map.name, geo);
      var chart = make("chart-map");
      var byName = {};
      data.ranking.forEach(function (r) { byName[r.name] = r; });
      var values = data.ranking.map(function (r) { return r.value; });
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + fmt(p.value || 0) + " " + L.yi; } },
        visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), left: 0, bottom: 0, itemHeight: 80, calculable: false, text: ["", ""], inRange: { color: ["#e8f1fb", "#206bc4"] } },
        series: [{ type: "map", map: data.map.name, roam: false, label: { show: true, fontSize: 10 },
                   data: geo.features.map(function (f) {
                     var r = byName[f.properties.name] || {};
                     return { name: f.properties.name, value: r.value || 0, url: r.url };
                   }) }]
      });
    });
  }

  // Trend by month or quarter.
  var trend = make("chart-trend");
  function drawTrend(kind) {
    var t = kind === "quarter" ? data.quarters : data.trend;
    data._urls = t.urls;
    var series = [
      { name: L.signed, type: "bar", data: t.signed.map(function (v, i) { return { value: v, url: t.urls[i] }; }) },
      { name: L.started, type: "bar", data: t.started }
    ];
    if (t.expected) { series.push({ name: L.expected, type: "line", data: t.expected }); }
    trend.setOption({
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 0 },
      xAxis: { type: "category", data: t.labels },
      yAxis: { type: "value" },
      series: series
    }, true);
  }
  if (trend) {
    drawTrend("month");
    document.querySelectorAll("[data-trend]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        document.querySelectorAll("[data-trend]").forEach(function (b) { b.classList.remove("active"); });
        btn.classList.add("active");
        drawTrend(btn.getAttribute("data-trend"));
      });
    });
  }

  var chains = make("chart-chains");
  if (chains) {
    var c = data.chains.slice().reverse();
    chains.setOption({
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", valueFormatter: fmt },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: c.map(function (x) { return x.name; }) },
      series: [{ type: "bar", data: c.map(function (x) { return { value: x.value, url: x.url }; }),
                 label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); } } }]
    });
  }

  var funnel = make("chart-funnel");
  if (funnel) {
    funnel.setOption({
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", sort: "none", left: 8, right: 8, top: 8, bottom: 8, minSize: "10%",
                 label: { position: "inside", formatter: "{b} {c}" }, data: data.funnel }]
    });
  }

  // Resize once per frame, and only charts whose box has a size: a window squeezed to nothing
  // (minimised, or 1x1 while a full-page screenshot is taken) gives the map a zero-width view, whose
  // transform cannot be inverted, and ECharts threw "TypeError: Cannot read properties of null
  // (reading '0')". The next resize with a real size lays the chart out again.
  var pending = false;
  function resizeAll() {
    pending = false;
    charts.forEach(function (ch) {
      var el = ch.getDom();
      if (!ch.isDisposed() && el.clientWidth > 0 && el.clientHeight > 0) { ch.resize(); }
    });
  }
  window.addEventListener("resize", function () {
    if (!pending) { pending = true; window.requestAnimationFrame(resizeAll); }
  });
})();
