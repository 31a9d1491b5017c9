// Draws each report's chart with Apache ECharts from the data the page carries; the tables
// underneath stay for screen readers, for printing, and for browsers without scripts.
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function option(report) {
    var toolbox = { feature: { saveAsImage: { name: "dossier-" + report.key, title: "PNG" } } };
    if (report.kind === "heatmap") {
      var values = report.rows.map(function (r) { return r[2] === null ? 0 : r[2]; });
      return {
        toolbox: toolbox,
        tooltip: {},
        grid: { left: 48, right: 16, top: 32, bottom: 72 },
        xAxis: { type: "category", data: report.axes.x },
        yAxis: { type: "category", data: report.axes.y },
        visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true,
                     orient: "horizontal", left: "center", bottom: 0 },
        series: [{ type: "heatmap", data: report.rows.map(function (r) {
          return [r[0], r[1], r[2] === null ? "-" : r[2]];
        }) }]
      };
    }
    return {
      toolbox: toolbox,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 16, top: 32, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: report.rows.map(function (r) { return r[0]; }),
               axisLabel: { rotate: report.rows.length > 6 ? 40 : 0 } },
      yAxis: { type: "value" },
      series: report.series.map(function (column) {
        return { name: report.columns[column], type: report.kind === "line" ? "line" : "bar",
                 connectNulls: false,
                 data: report.rows.map(function (r) { return r[column] === null ? "-" : r[column]; }) };
      })
    };
  }

  ready(function () {
    var source = document.getElementById("report-charts");
    if (!source || !window.echarts) return;
    var locale = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
    var charts = [];
    JSON.parse(source.textContent).forEach(function (report) {
      var box = document.querySelector('[data-chart="' + report.key + '"]');
      if (!box || !report.rows.length) return;
      box.hidden = false;
      var chart = window.echarts.init(box, null, { locale: locale, renderer: "canvas" });
      chart.setOption(option(report));
      box.dataset.drawn = "true";
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
