// 「添加一条」: a fieldset marked data-rows grows one row at a time. The button copies the fieldset's blank row
// (<template data-row-template>, its names, ids and labels numbered __n__) into its [data-row-list] with the
// next number (data-next), up to data-max. Without JavaScript the button posts the form, which comes back with
// one more row. No request either way here: a liaison on site may have no signal.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var set = button.closest("[data-rows]");
    var template = set && set.querySelector("template[data-row-template]");
    var list = set && set.querySelector("[data-row-list]");
    if (!template || !list) return; // the form posts and the server adds the row
    event.preventDefault();
    var next = parseInt(set.getAttribute("data-next"), 10);
    var max = parseInt(set.getAttribute("data-max"), 10);
    var copy = template.content.cloneNode(true);
    copy.querySelectorAll("*").forEach(function (el) {
      Array.prototype.forEach.call(el.attributes, function (attr) {
        if (attr.value.indexOf("__n__") >= 0) el.setAttribute(attr.name, attr.value.split("__n__").join(next));
      });
      if (el.childElementCount === 0 && el.textContent.indexOf("__n__") >= 0) {
        el.textContent = el.textContent.split("__n__").join(next);
      }
    });
    var row = copy.firstElementChild;
    list.appendChild(copy);
    set.setAttribute("data-next", String(next + 1));
    if (next >= max) button.hidden = true;
    var first = row && row.querySelector("input, textarea, select");
    if (first) first.focus();
    // Other enhancements (the searchable picker) may take up the new row's fields.
    document.dispatchEvent(new CustomEvent("chaindesk:rows-added", { detail: { row: row } }));
  });
})();
