// The agenda page (meetings/agenda.html): the 打印 button, and focus kept on the control that was used when an
// edit (上移, 下移, 移出, 恢复, 说明) swaps the agenda's body, so the keyboard stays where it was.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-agenda-print]")) window.print();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var marker = event.target.querySelector("[data-agenda-focus]");
    if (!marker) return;
    // the message of the page load (e.g. 已更新议程) is stale now: the body carries the edit's own
    document.querySelectorAll(".cd-messages").forEach(function (el) { el.remove(); });
    var id = marker.getAttribute("data-agenda-focus");
    var el = document.getElementById(id);
    if (!el || el.disabled) el = document.getElementById(id.replace(/-(up|down|drop|restore|note)$/, ""));
    if (el) el.focus();
  });
})();
