// 大屏: scales the 1920×1080 stage to the screen (letterboxed, 16:9 kept), turns the slides every `data-slide`
// seconds (space pauses, arrows and PageUp/PageDown turn, the dots jump), and every `data-refresh` seconds
// fetches the figures again and writes them into the stage in place: the text of each bound element, the rows
// of each keyed list, the charts through setOption. No reload, no stage rebuilt: nothing flickers. A failed
// fetch keeps the figures shown and says so discreetly. No inline script: CSP forbids it; the first figures come
// from the page's JSON island (json_script).
(function () {
  "use strict";
  var W = 1920, H = 1080, MIN_FIT = 0.62;
  var stage, data, slides, dots, current = 0, paused = false, slideTimer = null, slideStarted = 0, slideLeft = 0;
  var charts = {}, clockOffset = 0, lastGood = "", idleTimer = null;

  // --- the stage's scale -----------------------------------------------------------------------------------
  function scale() {
    var vw = window.innerWidth, vh = window.innerHeight;
    var s = Math.min(vw / W, vh / H);
    var x = (vw - W * s) / 2, y = (vh - H * s) / 2;
    stage.style.transform = "translate(" + x + "px," + y + "px) scale(" + s + ")";
    stage.classList.add("is-scaled");
  }

  // --- bindings: the payload's fields into the elements that name them -------------------------------------
  function clamp(v) {
    var n = parseFloat(v);
    return isNaN(n) ? 0 : Math.max(0, Math.min(100, n));
  }

  function fit(el) {
    // A number wider than its box (a province's counts) shrinks until it fits, never below MIN_FIT of its size.
    var box = el.parentElement;
    el.style.fontSize = "";
    if (!box || !box.clientWidth) return;
    var full = parseFloat(getComputedStyle(el).fontSize), size = full;
    while (box.scrollWidth > box.clientWidth + 1 && size > full * MIN_FIT) {
      size -= 4;
      el.style.fontSize = size + "px";
    }
  }

  function fitAll() {
    stage.querySelectorAll(".sc-big, .sc-mid").forEach(fit);
  }

  function own(el, root) {
    // The element belongs to `root`'s bindings, not to a list row inside it.
    var row = el.closest("[data-item]");
    return root.hasAttribute("data-item") ? row === root : row === null;
  }

  function bind(root, fields) {
    root.querySelectorAll("[data-f]").forEach(function (el) {
      if (!own(el, root) || !(el.dataset.f in fields)) return;
      var text = fields[el.dataset.f] === null ? "" : String(fields[el.dataset.f]);
      if (el.textContent !== text) {
        el.textContent = text;
        if (el.classList.contains("sc-big") || el.classList.contains("sc-mid")) fit(el);
      }
    });
    root.querySelectorAll("[data-l]").forEach(function (el) {
      var v = fields[el.dataset.l];
      if (own(el, root) && v !== undefined && el.dataset.light !== v) el.dataset.light = v;
    });
    root.querySelectorAll("[data-v]").forEach(function (el) {
      var v = fields[el.dataset.v];
      if (own(el, root) && v !== undefined && el.dataset.value !== v) el.dataset.value = v;
    });
    root.querySelectorAll("[data-p]").forEach(function (el) {
      // A bar's length or a tick's place in %; an empty one is not drawn (a rate without a target has no tick).
      var v = fields[el.dataset.p];
      if (!own(el, root) || v === undefined) return;
      el.style.display = v === "" ? "none" : "";
      el.style.setProperty("--p", clamp(v));
    });
    root.querySelectorAll("[data-hide]").forEach(function (el) {
      var key = el.dataset.hide, unless = key.charAt(0) === "!";
      if (unless) key = key.slice(1);
      if (own(el, root) && key in fields) el.hidden = unless ? !!fields[key] : !fields[key];
    });
  }

  function reconcile(list, rows) {
    // Keyed rows: kept and updated in place, new ones cloned from the list's <template>, gone ones removed.
    var template = list.querySelector(":scope > template"), byKey = {};
    list.querySelectorAll(":scope > [data-item]").forEach(function (el) { byKey[el.dataset.key] = el; });
    var previous = template;
    rows.forEach(function (row) {
      var el = byKey[row.key];
      if (el) delete byKey[row.key];
      else {
        el = template.content.firstElementChild.cloneNode(true);
        el.dataset.key = row.key;
      }
      bind(el, row.fields);
      if (previous.nextElementSibling !== el) previous.after(el);
      previous = el;
    });
    Object.keys(byKey).forEach(function (key) { byKey[key].remove(); });
    list.dataset.count = String(rows.length);
    if (list.dataset.list === "districts") tileGrid(list, rows.length);
  }

  function tileGrid(list, n) {
    // Tiles as large as the count allows, never wider than a third nor taller than half of the stage.
    var cols = n === 4 ? 2 : n <= 6 ? 3 : n <= 12 ? 4 : 5, rows = Math.max(2, Math.ceil(n / cols));
    list.dataset.cols = String(cols);
    list.dataset.rows = String(rows);
    list.style.setProperty("--cols", cols);
    list.style.setProperty("--rows", rows);
  }

  // --- charts: the cockpit's options on a dark stage ----------------------------------------------------------
  var PALETTE = ["#3cc8ff", "#4f7dff", "#23d59c", "#ffb526", "#b38cff", "#ff7eb6"];
  var AXIS = { axisLine: { lineStyle: { color: "rgba(142,167,200,.45)" } }, axisLabel: { color: "#b9cbe6", fontSize: 20 },
    splitLine: { lineStyle: { color: "rgba(142,167,200,.12)" } }, nameTextStyle: { color: "#8ea7c8", fontSize: 18 } };

  function merge(target, extra) {
    Object.keys(extra).forEach(function (k) {
      var v = extra[k];
      if (v && typeof v === "object" && !Array.isArray(v) && target[k] && typeof target[k] === "object") merge(target[k], v);
      else if (!(k in target)) target[k] = v;
    });
    return target;
  }

  function themed(name, option) {
    var o = JSON.parse(JSON.stringify(option));
    o.color = PALETTE;
    o.backgroundColor = "transparent";
    o.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily, color: "#eaf3ff" };
    o.animationDurationUpdate = 900;
    o.tooltip = merge(o.tooltip || {}, { textStyle: { fontSize: 18 } });
    o.legend = merge(o.legend || {}, { textStyle: { color: "#c6dbf6", fontSize: 20 }, itemWidth: 26, itemHeight: 14, itemGap: 28 });
    o.grid = { left: 96, right: 24, top: 48, bottom: 64 };
    o.xAxis = merge(o.xAxis || {}, JSON.parse(JSON.stringify(AXIS)));
    o.yAxis = merge(o.yAxis || {}, JSON.parse(JSON.stringify(AXIS)));
    (o.series || []).forEach(function (s) {
      if (s.type === "bar") {
        s.barMaxWidth = name === "leads" ? 56 : 30;
        if (name === "investment") s.itemStyle = merge(s.itemStyle || {}, { borderRadius: [4, 4, 0, 0], color: new window.echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "#4f7dff" }, { offset: 1, color: "rgba(79,125,255,.25)" }]) });
      }
      if (s.type === "line") {
        s.lineStyle = merge(s.lineStyle || {}, { width: 4 });
        if (!s.lineStyle.type) {
          s.itemStyle = merge(s.itemStyle || {}, { color: "#3cc8ff" });
          s.symbolSize = 10;
          s.areaStyle = { color: new window.echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "rgba(60,200,255,.28)" }, { offset: 1, color: "rgba(60,200,255,0)" }]) };
        } else {
          s.lineStyle.color = "#ff5257";
          s.itemStyle = { color: "#ff5257" };
        }
      }
    });
    return o;
  }

  function drawCharts(options, first) {
    if (!window.echarts) return;
    stage.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.dataset.chart, option = options[name];
      if (!option) {
        el.hidden = true;
        return;
      }
      el.hidden = false;
      if (!charts[name]) {
        var ratio = Math.max(window.devicePixelRatio || 1, 1) * Math.max(1, window.innerWidth / W);
        charts[name] = window.echarts.init(el, null, { renderer: "canvas", devicePixelRatio: ratio });
      }
      charts[name].setOption(themed(name, option), first ? { notMerge: true } : { replaceMerge: ["series"] });
    });
  }

  // --- the figures ------------------------------------------------------------------------------------------
  function apply(payload, first) {
    if (!first && payload.layout !== stage.dataset.layout) {
      // Something the stage has no place for (a slide, a district's metric): draw the stage anew.
      window.location.reload();
      return;
    }
    bind(stage, payload.fields);
    stage.querySelectorAll("[data-list]").forEach(function (list) {
      reconcile(list, (payload.lists || {})[list.dataset.list] || []);
    });
    drawCharts(payload.charts || {}, first);
    clockOffset = payload.now_ms ? payload.now_ms - Date.now() : 0;
    lastGood = payload.fields.updated || lastGood;
    stage.classList.remove("is-stale");
    stage.querySelector("[data-testid=screen-failed]").hidden = true;
    data = payload;
  }

  function failed() {
    stage.classList.add("is-stale");
    var marker = stage.querySelector("[data-testid=screen-failed]");
    marker.querySelector("[data-failed-text]").textContent = stage.dataset.textFailed.replace("%(time)s", lastGood);
    marker.hidden = false;
  }

  function refresh() {
    stage.classList.add("is-refreshing");
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = setTimeout(function () { if (controller) controller.abort(); }, 20000);
    fetch(stage.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store", signal: controller && controller.signal })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (payload) { apply(payload, false); })
      .catch(failed)
      .then(function () {
        clearTimeout(timeout);
        stage.classList.remove("is-refreshing");
        setTimeout(refresh, seconds("refresh") * 1000);
      });
  }

  function seconds(name) {
    return Math.max(parseInt(stage.dataset[name], 10) || 60, 1);
  }

  // --- the clock: the server's time, ticking here ------------------------------------------------------------
  function tick() {
    var now = new Date(Date.now() + clockOffset), lang = document.documentElement.lang || "zh-CN";
    var zone = { timeZone: "Asia/Shanghai" };
    stage.querySelector("[data-clock=time]").textContent = now.toLocaleTimeString(lang, Object.assign({ hour12: false }, zone));
    stage.querySelector("[data-clock=date]").textContent = now.toLocaleDateString(lang, Object.assign({ year: "numeric", month: "long", day: "numeric", weekday: "long" }, zone));
  }

  // --- the carousel -------------------------------------------------------------------------------------------
  function show(index) {
    current = (index + slides.length) % slides.length;
    slides.forEach(function (slide, i) {
      var on = i === current;
      slide.classList.toggle("is-active", on);
      slide.setAttribute("aria-hidden", on ? "false" : "true");
      dots[i].classList.toggle("is-active", on);
      if (on) dots[i].setAttribute("aria-current", "true");
      else dots[i].removeAttribute("aria-current");
    });
    var bar = dots[current].querySelector(".sc-dot-bar");
    bar.style.animation = "none";
    void bar.offsetWidth; // restart the dot's run from empty
    bar.style.animation = "";
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    stage.dataset.slideIndex = String(current);
    schedule(seconds("slide") * 1000);
  }

  function schedule(ms) {
    clearTimeout(slideTimer);
    slideLeft = ms;
    if (paused || slides.length < 2) return;
    slideStarted = Date.now();
    slideTimer = setTimeout(function () { show(current + 1); }, ms);
  }

  function togglePause() {
    paused = !paused;
    stage.classList.toggle("is-paused", paused);
    stage.querySelector("[data-testid=screen-paused]").hidden = !paused;
    var button = stage.querySelector("[data-action=pause]");
    button.title = paused ? stage.dataset.textPlay : stage.dataset.textPause;
    button.querySelector(".ti").className = "ti " + (paused ? "ti-player-play" : "ti-player-pause");
    if (paused) {
      clearTimeout(slideTimer);
      slideLeft = Math.max(slideLeft - (Date.now() - slideStarted), 0);
    } else {
      schedule(slideLeft || seconds("slide") * 1000);
    }
  }

  // --- full screen, keys, idle pointer ------------------------------------------------------------------------
  function toggleFullscreen() {
    if (!document.fullscreenEnabled) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(function () {});
  }

  function fullscreenLabel() {
    var button = stage.querySelector("[data-action=fullscreen]"), on = !!document.fullscreenElement;
    button.hidden = !document.fullscreenEnabled;
    button.querySelector(".sc-btn-text").textContent = on ? stage.dataset.textExitFullscreen : stage.dataset.textFullscreen;
    button.querySelector(".ti").className = "ti " + (on ? "ti-minimize" : "ti-maximize");
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      if (event.target.closest && event.target.closest("a, button")) event.target.blur();
      togglePause();
    } else if (key === "ArrowRight" || key === "PageDown") show(current + 1);
    else if (key === "ArrowLeft" || key === "PageUp") show(current - 1);
    else if (key === "f" || key === "F") toggleFullscreen();
    else return;
    event.preventDefault();
  }

  function awake() {
    stage.classList.remove("is-idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { stage.classList.add("is-idle"); }, 4000);
  }

  function start() {
    stage = document.getElementById("sc-stage");
    slides = Array.prototype.slice.call(stage.querySelectorAll(".sc-slide"));
    dots = Array.prototype.slice.call(stage.querySelectorAll(".sc-dot"));
    stage.style.setProperty("--slide-ms", seconds("slide") * 1000 + "ms");
    scale();
    window.addEventListener("resize", scale);
    document.addEventListener("fullscreenchange", function () { scale(); fullscreenLabel(); });
    apply(JSON.parse(document.getElementById("sc-data").textContent), true);
    tick();
    setInterval(tick, 1000);
    dots.forEach(function (dot) { dot.addEventListener("click", function () { show(parseInt(dot.dataset.go, 10)); }); });
    stage.querySelector("[data-action=pause]").addEventListener("click", togglePause);
    stage.querySelector("[data-action=fullscreen]").addEventListener("click", toggleFullscreen);
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousemove", awake);
    fullscreenLabel();
    awake();
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitAll);
    else fitAll();
    var wanted = slides.findIndex(function (s) { return "#" + s.dataset.slide === window.location.hash; });
    show(wanted < 0 ? 0 : wanted);
    setTimeout(refresh, seconds("refresh") * 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
