// The review page of a meeting report: an item's card and its source sentence light up together (hover, focus,
// click on either); an item whose 保留 box is cleared is dimmed. Without JavaScript the 原文 links still jump.
(function () {
  "use strict";
  function sentence(index) { return document.getElementById("s-" + index); }
  function clear() {
    document.querySelectorAll(".cd-src.is-active, .cd-item.is-active").forEach(function (el) {
      el.classList.remove("is-active");
    });
  }
  function light(card, scroll) {
    clear();
    card.classList.add("is-active");
    var link = card.querySelector("[data-source]");
    var mark = link ? sentence(link.getAttribute("data-source")) : null;
    if (!mark) { return; }
    mark.classList.add("is-active");
    if (scroll) { mark.scrollIntoView({ block: "center", behavior: "smooth" }); }
  }
  document.querySelectorAll(".cd-item, #item-m").forEach(function (card) {
    card.addEventListener("mouseenter", function () { light(card, false); });
    card.addEventListener("focusin", function () { light(card, true); });
    var link = card.querySelector("[data-source]");
    if (link) {
      link.addEventListener("click", function (event) { event.preventDefault(); light(card, true); });
    }
    var record = card.querySelector("select[name$='_record']");
    if (record && card.querySelector("[data-new-only]")) {
      // Linked to a record: the fields that only registering a new enterprise needs step aside.
      record.addEventListener("change", function () {
        card.querySelectorAll("[data-new-only]").forEach(function (col) {
          col.classList.toggle("d-none", record.value !== "");
        });
      });
    }
    var keep = card.querySelector("[data-keep]");
    if (keep) {
      var sync = function () { card.classList.toggle("is-dropped", !keep.checked); };
      keep.addEventListener("change", sync);
      sync();
    }
  });
  document.querySelectorAll(".cd-src").forEach(function (mark) {
    function go() {
      var first = (mark.getAttribute("data-refs") || "").split(" ")[0];
      var card = document.getElementById("item-" + first);
      if (!card) { return; }
      light(card, false);
      mark.classList.add("is-active");
      card.scrollIntoView({ block: "center", behavior: "smooth" });
    }
    mark.addEventListener("click", go);
    mark.addEventListener("keydown", function (event) { if (event.key === "Enter") { go(); } });
  });
})();
