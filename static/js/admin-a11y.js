/* Accessible names that the Django admin's own widgets leave out, found by the axe walk of every
   admin page (tests/browser/test_layout.py). Run once the admin's scripts have built their widgets
   (SelectFilter2 builds at "load"), then again whenever a widget or an inline row is added. */
(function () {
  "use strict";

  function labelFor(field) {
    var id = field.id || "";
    var label = id && document.querySelector('label[for="' + CSS.escape(id) + '"]');
    if (!label) {
      var row = field.closest(".form-row, .fieldBox, .flex-container");
      label = row && row.querySelector("label");
    }
    return label || null;
  }

  function labelText(field) {
    var label = labelFor(field);
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function unnamed(field) {
    return !field.hasAttribute("aria-label") && !field.hasAttribute("aria-labelledby")
      && !(field.labels && field.labels.length);
  }

  function name(field, text) {
    if (text && unnamed(field)) field.setAttribute("aria-label", text);
  }

  function fix() {
    // A tabular inline labels its fields only by the column heading.
    document.querySelectorAll(".tabular table").forEach(function (table) {
      var headings = table.querySelectorAll("thead th");
      table.querySelectorAll("tbody td").forEach(function (cell) {
        var heading = headings[cell.cellIndex];
        var text = heading ? heading.textContent.trim() : "";
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
          name(field, text);
        });
      });
    });
    // A date and time field: "Date:" and "Time:" are bare text beside two inputs.
    document.querySelectorAll("p.datetime").forEach(function (paragraph) {
      var field = paragraph.querySelector("input");
      var prefix = field ? labelText(field) : "";
      var part = "";
      paragraph.childNodes.forEach(function (node) {
        if (node.nodeType === Node.TEXT_NODE && node.textContent.trim()) {
          part = node.textContent.replace(/:\s*$/, "").trim();
        } else if (node.nodeName === "INPUT") {
          name(node, prefix ? prefix + " – " + part : part);
        }
      });
    });
    // SelectFilter2's search icon: a <span> with aria-label is named only with a role.
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
    // Autocomplete (select2): the box is named by the chosen value only, empty until one is
    // chosen; the field's label goes first.
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var label = labelFor(select);
      if (!label || !container || !container.classList.contains("select2")) return;
      if (!label.id) label.id = select.id + "-label";
      container.querySelectorAll(".select2-selection[role=combobox]").forEach(function (box) {
        var others = (box.getAttribute("aria-labelledby") || "").split(" ").filter(function (id) {
          return id && id !== label.id;
        });
        var wanted = [label.id].concat(others).join(" ");
        if (box.getAttribute("aria-labelledby") !== wanted) box.setAttribute("aria-labelledby", wanted);
      });
      // Inside it, the chosen value is a read-only "textbox" with no name of its own: the box
      // already carries the value, so it is plain text.
      container.querySelectorAll(".select2-selection__rendered[role=textbox]").forEach(function (value) {
        value.removeAttribute("role");
        value.removeAttribute("aria-readonly");
      });
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        name(field, labelText(select));
      });
    });
  }

  var pending = false;
  function fixSoon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; fix(); });
  }

  window.addEventListener("load", function () {
    fix();
    new MutationObserver(fixSoon).observe(document.body, { childList: true, subtree: true });
  });
})();
