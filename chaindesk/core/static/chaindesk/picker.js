// Searchable pickers (chaindesk/core/picker.py): a <select> with data-picker, or with more than 20 options, gets a
// filter box above it that matches option text or pinyin (data-py: initials, then full pinyin; 兴化 → "xh"); one
// with data-picker-url (too many records to render, e.g. a province's enterprises) asks the server instead.
// The select stays in the form and keeps the value: without JavaScript it is a plain select, and with it the
// form posts exactly as before. Keyboard: arrows move, Enter chooses, Esc closes then clears.
(function () {
  "use strict";

  var MIN_OPTIONS = 20;
  var MAX_SHOWN = 50; // the list shows the first matches; typing more narrows it
  var serial = 0;
  // The words come translated from the page's <script> tag (base.html), like every other user-facing text.
  var script = document.currentScript;
  var words = {
    placeholder: (script && script.dataset.placeholder) || "输入文字或拼音首字母筛选",
    none: (script && script.dataset.none) || "无匹配项",
    filter: (script && script.dataset.filter) || "筛选",
    search: (script && script.dataset.search) || "输入名称或统一社会信用代码搜索",
  };
  var REMOTE_DELAY = 250; // ms after the last keystroke before the server is asked

  function wanted(select) {
    if (select.dataset.pickerReady || select.dataset.picker === "off") return false;
    return select.hasAttribute("data-picker") || select.options.length > MIN_OPTIONS;
  }

  function matches(option, query) {
    if (!option.value) return false; // the "please choose" row is never a match
    if (!query) return true;
    var text = option.text.toLowerCase();
    return text.indexOf(query) !== -1 || (option.dataset.py || "").indexOf(query) !== -1;
  }

  function labelOf(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.trim() : "";
  }

  function build(select) {
    select.dataset.pickerReady = "1";
    var id = "cd-picker-" + (++serial);
    var wrap = document.createElement("div");
    wrap.className = "cd-picker";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm cd-picker-input";
    input.placeholder = select.dataset.pickerUrl ? words.search : words.placeholder;
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-label", words.filter + labelOf(select));
    var list = document.createElement("ul");
    list.className = "cd-picker-list";
    list.id = id;
    list.hidden = true;
    list.setAttribute("role", "listbox");
    if (select.multiple) list.setAttribute("aria-multiselectable", "true");
    wrap.appendChild(input);
    wrap.appendChild(list);
    var anchor = select.closest(".input-group") || select; // keep an input group whole
    anchor.parentNode.insertBefore(wrap, anchor);
    wire(select, input, list);
  }

  // A select with data-picker-url holds only its chosen options: the matches come from the server
  // ({"options": [{"value", "label"}]}), the latest answer winning, and a chosen match becomes an option.
  function remote(select) {
    var timer = null;
    var asked = 0;
    return function (query, done) {
      clearTimeout(timer);
      if (!query) { done([]); return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        fetch(select.dataset.pickerUrl + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : { options: [] }; })
          .then(function (data) {
            if (mine !== asked) return;
            done(data.options.map(function (o) { return { value: String(o.value), text: o.label }; }));
          });
      }, REMOTE_DELAY);
    };
  }

  function optionOf(select, item) {
    if (item instanceof HTMLOptionElement) return item;
    var found = Array.prototype.find.call(select.options, function (o) { return o.value === item.value; });
    if (found) return found;
    var option = new Option(item.text, item.value);
    select.add(option);
    return option;
  }

  function isChosen(select, item) {
    if (item instanceof HTMLOptionElement) return item.selected;
    return Array.prototype.some.call(select.options, function (o) { return o.value === item.value && o.selected; });
  }

  function wire(select, input, list) {
    var shown = [];
    var active = -1;
    var search = select.dataset.pickerUrl ? remote(select) : null;

    function render() {
      if (search) {
        search(input.value.trim(), show);
        return;
      }
      var query = input.value.trim().toLowerCase().replace(/\s+/g, "");
      var hits = [];
      Array.prototype.forEach.call(select.options, function (option) {
        var hit = matches(option, query);
        if (select.multiple) option.hidden = !hit && !!option.value; // the visible list narrows too
        if (hit && hits.length < MAX_SHOWN) hits.push(option);
      });
      show(hits);
    }

    function show(hits) {
      shown = hits;
      list.textContent = "";
      shown.forEach(function (option, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.textContent = option.text;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", isChosen(select, option) ? "true" : "false");
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(item);
      });
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "cd-picker-none";
        none.textContent = words.none;
        list.appendChild(none);
      }
      move(shown.length ? 0 : -1);
      open(true);
    }

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) input.removeAttribute("aria-activedescendant");
    }

    function move(to) {
      var items = list.querySelectorAll("[role=option]");
      if (active >= 0 && items[active]) items[active].classList.remove("active");
      active = Math.max(-1, Math.min(to, shown.length - 1));
      if (active >= 0) {
        items[active].classList.add("active");
        items[active].scrollIntoView({ block: "nearest" });
        input.setAttribute("aria-activedescendant", items[active].id);
      }
    }

    function choose(i) {
      if (!shown[i]) return;
      var option = optionOf(select, shown[i]);
      if (select.multiple) {
        option.selected = !option.selected;
        list.querySelectorAll("[role=option]")[i].setAttribute("aria-selected", option.selected ? "true" : "false");
      } else {
        select.value = option.value;
        input.value = "";
        open(false);
      }
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", render);
    input.addEventListener("focus", function () { if (input.value) render(); });
    input.addEventListener("blur", function () { open(false); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { render(); return; }
        move(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        if (list.hidden) return;
        event.preventDefault(); // choosing must not submit the form
        choose(active);
      } else if (event.key === "Escape") {
        if (!list.hidden) { open(false); } else if (input.value) { input.value = ""; render(); open(false); }
        else return;
        event.preventDefault();
      }
    });
  }

  function enhance(root) {
    root.querySelectorAll("select").forEach(function (select) { if (wanted(select)) build(select); });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
  // A row added by 「添加一条」 (rows.js) may hold a long select (a next step's owner).
  document.addEventListener("chaindesk:rows-added", function (event) {
    if (event.detail && event.detail.row) enhance(event.detail.row);
  });
})();
