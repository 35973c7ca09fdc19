// The rating form: the tasks to send back (需要重新办理的任务) matter only with 不满意, so they show only then.
// Without JavaScript they always show, with a hint saying when they count.
(function () {
  "use strict";

  function update(form) {
    var boxes = form.querySelector("[data-reopen-tasks]");
    if (!boxes) return;
    var chosen = form.querySelector('input[name$="rating"]:checked');
    boxes.classList.toggle("d-none", !chosen || chosen.value !== "unsatisfied");
  }

  document.addEventListener("change", function (event) {
    var form = event.target && event.target.closest && event.target.closest("form[data-reopen-form]");
    if (form) update(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-reopen-form]").forEach(update);
  });
})();
