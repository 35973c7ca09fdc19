// 驾驶舱: app.js draws the charts from their JSON islands on DOMContentLoaded; on "load" each chart marked
// data-clickable opens the list behind the point clicked (a data item's `url`), and the tooltips print "—"
// for a month not reached yet. No inline script: CSP forbids it.
(function () {
  "use strict";
  function wire(el) {
    var chart = window.echarts && window.echarts.getInstanceByDom(el);
    if (!chart || el.dataset.cockpitWired) return;
    el.dataset.cockpitWired = "1";
    chart.on("click", function (params) {
      var url = params && params.data && params.data.url;
      if (url) window.location.assign(url);
    });
    chart.on("mouseover", function (params) {
      el.style.cursor = params && params.data && params.data.url ? "pointer" : "default";
    });
    chart.on("mouseout", function () { el.style.cursor = "default"; });
    chart.setOption({
      tooltip: {
        valueFormatter: function (value) {
          return value === null || value === undefined || value === "-" ? "—" : Number(value).toLocaleString("zh-CN");
        }
      }
    });
  }
  window.addEventListener("load", function () {
    document.querySelectorAll("[data-chart][data-clickable]").forEach(wire);
  });
})();
