// Chain map: clicking a node of the chart loads that node's enterprises into the panel (htmx), the same
// fragment the table's "查看企业" links load. app.js draws the chart on DOMContentLoaded; "load" comes after.
(function () {
  "use strict";
  window.addEventListener("load", function () {
    var el = document.querySelector("[data-chart='chain-map-data']");
    var panel = document.getElementById("node-panel");
    if (!el || !panel || !window.echarts || !window.htmx) return;
    var chart = window.echarts.getInstanceByDom(el);
    if (!chart) return;
    chart.on("click", function (params) {
      var url = params.data && params.data.panel;
      if (!url) return;
      window.htmx.ajax("GET", url, { target: "#node-panel", swap: "innerHTML" });
    });
  });
  // Whichever link filled the panel (chart or table), bring it into view.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "node-panel") {
      event.target.scrollIntoView({ behavior: "smooth", block: "nearest" });
    }
  });
})();
