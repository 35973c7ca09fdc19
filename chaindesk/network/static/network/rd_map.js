// R&D map: app.js draws the chart from its json_script block on DOMContentLoaded; once the page has loaded,
// a click on a city's bar opens the partner list of that city (the numbers behind the bar).
(function () {
  "use strict";
  window.addEventListener("load", function () {
    var el = document.querySelector("[data-chart='rd-map-data']");
    if (!el || !window.echarts) return;
    var chart = window.echarts.getInstanceByDom(el);
    if (!chart) return;
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url && url.charAt(0) === "/") window.location.assign(url);
    });
  });
})();
