/* Chain map (产业链图谱): links as an ECharts graph in three columns, gaps in red.
   Data comes from the json_script element "chain-graph-data"; the table on the page holds the same
   content for phones and screen readers. */
(function () {
  "use strict";

  // Progress bars of the indicator table: width from data-percent (no inline styles under CSP).
  document.querySelectorAll(".indicator-bar[data-percent]").forEach(function (bar) {
    bar.style.width = bar.dataset.percent + "%";
  });

  var el = document.getElementById("chain-graph");
  var source = document.getElementById("chain-graph-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var L = data.labels;
  var COLORS = { filled: "#2fb344", pipeline: "#f59f00", gap: "#d63939" };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function list(title, items) {
    if (!items || !items.length) return "";
    return "<div><b>" + esc(title) + "</b>: " + items.map(esc).join("、") + "</div>";
  }

  var rows = 0;
  data.nodes.forEach(function (n) { rows = Math.max(rows, n.y / 70 + 1); });
  el.style.height = Math.max(320, rows * 70 + 80) + "px";

  var nodes = data.nodes.map(function (n) {
    var label = n.name + (n.count ? " (" + n.count + ")" : "");
    return {
      id: n.id, name: label, x: n.x, y: n.y, raw: n,
      symbol: "roundRect", symbolSize: [Math.max(90, label.length * 14 + 16), 34],
      itemStyle: {
        color: n.status === "filled" ? "#ffffff" : COLORS[n.status],
        borderColor: COLORS[n.status], borderWidth: n.status === "gap" ? 3 : 2,
        shadowBlur: n.status === "gap" ? 10 : 0, shadowColor: COLORS.gap
      },
      label: { show: true, color: n.status === "filled" ? "#1d273b" : "#ffffff", fontWeight: "bold" }
    };
  });
  var links = data.edges.map(function (e) {
    return {
      source: e.source, target: e.target,
      lineStyle: e.kind === "part"
        ? { type: "dashed", color: "#98a2b3", curveness: 0 }
        : { color: "#c5cbd5", width: 1.5, curveness: 0.15 }
    };
  });

  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: {
      confine: true,
      formatter: function (p) {
        if (p.dataType !== "node") return "";
        var n = p.data.raw;
        var parks = n.enterprises.map(function (g) {
          return (g.park || L.outside_parks) + ": " + g.names.join("、");
        });
        var status = n.status === "filled" ? L.filled : L.gap;
        return "<div class='chain-tip'><b>" + esc(n.name) + "</b> · " +
          esc(status) + list(L.leaders, n.leaders) + list(L.enterprises, parks) +
          list(L.producing, n.producing) + list(L.pipeline, n.pipeline) +
          (n.targets ? "<div><b>" + esc(L.targets) + "</b>: " + n.targets + "</div>" : "") + "</div>";
      }
    },
    graphic: ["upstream", "midstream", "downstream"].map(function (pos, i) {
      return { type: "text", left: (8 + i * 33) + "%", top: 4, style: { text: L[pos], fontSize: 14, fill: "#667382" } };
    }),
    series: [{
      type: "graph", layout: "none", roam: true, top: 40, bottom: 20, left: 90, right: 110,
      edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7,
      data: nodes, links: links
    }]
  });
  chart.on("click", function (p) {
    if (p.dataType !== "node") return;
    var row = document.getElementById("link-" + p.data.id);
    if (row) { row.scrollIntoView({ behavior: "smooth", block: "center" }); row.classList.add("table-active"); }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
