// Checks in the browser that disaggregation cells add up to the total, as the server does on
// submit. Numbers may be typed the Vietnamese way (1.234 or 1 234).
(function () {
  "use strict";
  var messages = document.getElementById("figure-messages");
  if (!messages) { return; }

  function parse(text) {
    text = (text || "").trim();
    if (text === "") { return null; }
    if (/^\d+$/.test(text)) { return parseInt(text, 10); }
    if (/^\d{1,3}([.,\s\u00a0\u202f])\d{3}(\1\d{3})*$/.test(text)) {
      return parseInt(text.replace(/\D/g, ""), 10);
    }
    return NaN;
  }

  function checkBlock(block) {
    var na = block.querySelector(".na-toggle");
    var disabled = na && na.checked;
    block.querySelectorAll(".figure-input").forEach(function (input) { input.disabled = disabled; });
    // A count's cells add up to its total; a ratio's cell numerators to its numerator and its
    // cell denominators to its denominator.
    var pairs = [["total", "cell"], ["numerator", "cell-numerator"], ["denominator", "cell-denominator"]];
    block.querySelectorAll(".dimension").forEach(function (dimension) {
      var status = dimension.querySelector(".sum-status");
      var problems = [];
      var checked = false;
      pairs.forEach(function (pair) {
        var total = block.querySelector('[data-role="' + pair[0] + '"]');
        var cells = dimension.querySelectorAll('[data-role="' + pair[1] + '"]');
        if (!total || !cells.length) { return; }
        var totalValue = parse(total.value);
        var sum = 0;
        var any = false;
        cells.forEach(function (cell) {
          var value = parse(cell.value);
          if (value !== null) { any = true; sum += isNaN(value) ? 0 : value; }
        });
        if (disabled || totalValue === null || isNaN(totalValue) || (!any && totalValue === 0)) { return; }
        checked = true;
        if (sum !== totalValue) {
          problems.push(messages.dataset.mismatch
            .replace("%(sum)s", sum.toLocaleString(document.documentElement.lang))
            .replace("%(total)s", totalValue.toLocaleString(document.documentElement.lang)));
        }
      });
      if (!checked) {
        status.textContent = "";
        status.className = "sum-status small ms-2";
      } else if (!problems.length) {
        status.textContent = "✓ " + messages.dataset.ok;
        status.className = "sum-status small ms-2 text-success";
      } else {
        status.textContent = "✗ " + problems.join("; ");
        status.className = "sum-status small ms-2 text-danger";
      }
    });
    function checkRatio(numerator, denominator) {
      if (!numerator || !denominator) { return; }
      var n = parse(numerator.value);
      var d = parse(denominator.value);
      var bad = !disabled && n !== null && d !== null && n > d;
      numerator.setCustomValidity(bad ? messages.dataset.ratio : "");
      numerator.classList.toggle("is-invalid", bad);
    }
    checkRatio(block.querySelector('[data-role="numerator"]'), block.querySelector('[data-role="denominator"]'));
    block.querySelectorAll(".ratio-cell").forEach(function (cell) {
      checkRatio(cell.querySelector('[data-role="cell-numerator"]'), cell.querySelector('[data-role="cell-denominator"]'));
    });
  }

  document.querySelectorAll(".indicator-block").forEach(function (block) {
    block.addEventListener("input", function () { checkBlock(block); });
    block.addEventListener("change", function () { checkBlock(block); });
    checkBlock(block);
  });
})();
