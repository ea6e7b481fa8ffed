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
    var total = block.querySelector('[data-role="total"]');
    block.querySelectorAll(".dimension").forEach(function (dimension) {
      var status = dimension.querySelector(".sum-status");
      var totalValue = total ? parse(total.value) : null;
      var sum = 0;
      var any = false;
      dimension.querySelectorAll('[data-role="cell"]').forEach(function (cell) {
        var value = parse(cell.value);
        if (value !== null) { any = true; sum += isNaN(value) ? 0 : value; }
      });
      if (disabled || totalValue === null || isNaN(totalValue) || (!any && totalValue === 0)) {
        status.textContent = "";
        status.className = "sum-status small ms-2";
      } else if (sum === totalValue) {
        status.textContent = "✓ " + messages.dataset.ok;
        status.className = "sum-status small ms-2 text-success";
      } else {
        status.textContent = "✗ " + messages.dataset.mismatch
          .replace("%(sum)s", sum.toLocaleString(document.documentElement.lang))
          .replace("%(total)s", totalValue.toLocaleString(document.documentElement.lang));
        status.className = "sum-status small ms-2 text-danger";
      }
    });
    var numerator = block.querySelector('[data-role="numerator"]');
    var denominator = block.querySelector('[data-role="denominator"]');
    if (numerator && denominator) {
      var n = parse(numerator.value);
      var d = parse(denominator.value);
      var bad = !disabled && n !== null && d !== null && n > d;
      numerator.setCustomValidity(bad ? messages.dataset.ratio : "");
      numerator.classList.toggle("is-invalid", bad);
    }
  }

  document.querySelectorAll(".indicator-block").forEach(function (block) {
    block.addEventListener("input", function () { checkBlock(block); });
    block.addEventListener("change", function () { checkBlock(block); });
    checkBlock(block);
  });
})();
