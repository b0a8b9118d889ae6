/* sitegen default theme: progressive enhancement only. Every page works without it. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  var KEY = "sitegen-theme";

  function announce(text) {
    var region = doc.getElementById("live-region");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* Light/dark toggle, remembered in localStorage. */
  function setupTheme() {
    var button = doc.getElementById("theme-toggle");
    if (!button) return;
    var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    function isDark() {
      var chosen = root.getAttribute("data-theme");
      if (chosen) return chosen === "dark";
      return !!(media && media.matches);
    }
    function sync() { button.setAttribute("aria-pressed", isDark() ? "true" : "false"); }
    button.hidden = false;
    sync();
    button.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem(KEY, next); } catch (e) { /* storage may be off */ }
      sync();
    });
    if (media && media.addEventListener) media.addEventListener("change", sync);
  }

  /* "/" focuses the search box unless the reader is typing somewhere. */
  function setupSlash() {
    doc.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
      var box = doc.querySelector("#search input[type=search], [data-search-box]");
      if (!box) return;
      event.preventDefault();
      box.focus();
      if (box.select) box.select();
    });
  }

  /* Copy buttons: data-copy names the id of the element whose text is copied. */
  function fallbackCopy(text) {
    var area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    doc.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
    doc.body.removeChild(area);
    return ok;
  }
  function setupCopy() {
    var buttons = doc.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var source = doc.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.textContent;
        function done(ok) {
          var message = ok ? "Copied" : "Copy failed: select the text and copy it";
          button.textContent = ok ? "Copied" : "Copy failed";
          announce(message);
          window.setTimeout(function () { button.textContent = label; }, 2000);
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { done(true); },
            function () { done(fallbackCopy(text)); });
        } else {
          done(fallbackCopy(text));
        }
      });
    });
  }

  /* Sortable tables: header cells become buttons; cells carry data-sort values. */
  function sortValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell ? (cell.getAttribute("data-sort") || cell.textContent.trim()) : "";
    if (numeric) { var n = parseFloat(raw); return isNaN(n) ? -Infinity : n; }
    return raw.toLowerCase();
  }
  function setupTable(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) return;
    var headers = table.tHead.rows[0].cells;
    var original = Array.prototype.slice.call(body.rows);
    var collator = window.Intl ? new Intl.Collator(root.lang || undefined, { numeric: true, sensitivity: "base" }) : null;
    Array.prototype.forEach.call(headers, function (th, index) {
      var numeric = th.getAttribute("data-sort-type") === "number";
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var current = th.getAttribute("aria-sort");
        var ascending = current ? current !== "ascending" : th.getAttribute("data-sort-first") !== "descending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = original.slice();
        rows.sort(function (a, b) {
          var x = sortValue(a, index, numeric), y = sortValue(b, index, numeric);
          var order;
          if (numeric) order = x === y ? 0 : (x < y ? -1 : 1);
          else order = collator ? collator.compare(x, y) : (x < y ? -1 : x > y ? 1 : 0);
          if (order === 0) return original.indexOf(a) - original.indexOf(b);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        announce("Sorted by " + button.textContent + ", " + (ascending ? "ascending" : "descending"));
      });
    });
  }

  function init() {
    setupTheme();
    setupSlash();
    setupCopy();
    Array.prototype.forEach.call(doc.querySelectorAll("table[data-sortable]"), setupTable);
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", init);
  else init();
})();
