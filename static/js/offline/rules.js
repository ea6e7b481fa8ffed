// The figure rules of reports/figures.py (check_values, check_complete), applied in the browser
// to the rules the server exports as JSON (reports.figures.figure_rules: the limit, the messages,
// the number format). tests/browser/test_offline.py checks that both sides agree, case by case.
// A classic script: the page and the service worker both load it.
(function (root) {
  "use strict";

  function fieldName(indicator, part, category, ratioPart) {
    var name = indicator.code + "__" + part + (category ? "__" + category : "");
    return ratioPart ? name + "__" + ratioPart : name;
  }

  function isWhole(value) { return typeof value === "number" && Number.isInteger(value); }

  function group(number, rules) {
    var digits = String(Math.abs(number));
    var size = rules.number_grouping || 3;
    var parts = [];
    while (digits.length > size) {
      parts.unshift(digits.slice(-size));
      digits = digits.slice(0, -size);
    }
    parts.unshift(digits);
    return (number < 0 ? "-" : "") + parts.join(rules.thousand_separator);
  }

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  function add(errors, name, message) { (errors[name] = errors[name] || []).push(message); }

  // What figures_from_json makes of an indicator's JSON: cells of a count, numerators and
  // denominators of a ratio, in the order they were sent.
  function cellsOf(indicator, data) {
    var cells = [], numerators = [], denominators = [];
    var raw = data.cells || {};
    Object.keys(raw).forEach(function (dimension) {
      Object.keys(raw[dimension] || {}).forEach(function (category) {
        var value = raw[dimension][category];
        if (indicator.is_ratio) {
          var pair = value || {};
          numerators.push([dimension, category, pair.numerator === undefined ? null : pair.numerator]);
          denominators.push([dimension, category, pair.denominator === undefined ? null : pair.denominator]);
        } else {
          cells.push([dimension, category, value === undefined ? null : value]);
        }
      });
    });
    return { cells: cells, numerators: numerators, denominators: denominators };
  }

  function cell(data, dimension, category, part) {
    var value = ((data.cells || {})[dimension] || {})[category];
    if (part) { value = value && typeof value === "object" ? value[part] : null; }
    return value === undefined ? null : value;
  }

  function checkValues(indicators, figures, rules) {
    var errors = {}, says = rules.messages;
    indicators.forEach(function (indicator) {
      var data = figures[indicator.code];
      if (!data) { return; }
      var value = function (name) { return data[name] === undefined ? null : data[name]; };
      var split = cellsOf(indicator, data);
      var named = [
        [fieldName(indicator, "total"), value("total")],
        [fieldName(indicator, "num"), value("numerator")],
        [fieldName(indicator, "den"), value("denominator")]
      ];
      split.cells.forEach(function (c) { named.push([fieldName(indicator, c[0], c[1]), c[2]]); });
      split.numerators.forEach(function (c) { named.push([fieldName(indicator, c[0], c[1], "num"), c[2]]); });
      split.denominators.forEach(function (c) { named.push([fieldName(indicator, c[0], c[1], "den"), c[2]]); });
      named.forEach(function (pair) {
        var v = pair[1];
        if (v === null) { return; }
        if (!isWhole(v)) { add(errors, pair[0], says.whole); }
        else if (v < 0) { add(errors, pair[0], says.negative); }
        else if (v > rules.max_figure) { add(errors, pair[0], say(says.too_large, { max: rules.max_figure_text })); }
      });
      if (isWhole(value("numerator")) && isWhole(value("denominator")) && value("numerator") > value("denominator")) {
        add(errors, fieldName(indicator, "num"), says.ratio);
      }
      if (indicator.is_ratio) {
        indicator.dimensions.forEach(function (dimension) {
          dimension.categories.forEach(function (category) {
            var n = cell(data, dimension.key, category[0], "numerator");
            var d = cell(data, dimension.key, category[0], "denominator");
            if (isWhole(n) && isWhole(d) && n > d) {
              add(errors, fieldName(indicator, dimension.key, category[0], "num"), says.ratio);
            }
          });
        });
      }
      if (data.not_applicable === true && named.some(function (pair) { return pair[1] !== null; })) {
        add(errors, fieldName(indicator, "na"), says.na_with_figures);
      }
    });
    return errors;
  }

  function checkComplete(indicators, figures, rules) {
    var errors = {}, says = rules.messages;
    indicators.forEach(function (indicator) {
      var data = figures[indicator.code] || {};
      if (data.not_applicable === true) { return; }
      var whole = function (name) { return data[name] === undefined ? null : data[name]; };
      var sums = function (dimension, part, total, key, template) {
        var sum = 0;
        dimension.categories.forEach(function (category) {
          sum += cell(data, dimension.key, category[0], part) || 0;
        });
        if (sum !== total) {
          add(errors, fieldName(indicator, dimension.key, dimension.categories[0][0], key), say(template, {
            dimension: rules.dimensions[dimension.key],
            sum: group(sum, rules),
            total: group(total || 0, rules)
          }));
        }
      };
      if (indicator.is_ratio) {
        var missing = false;
        [["num", whole("numerator")], ["den", whole("denominator")]].forEach(function (pair) {
          if (pair[1] === null) { missing = true; add(errors, fieldName(indicator, pair[0]), says.missing); }
        });
        if (!missing) {
          // Per breakdown, its numerators then its denominators (as _ratio_cells_add_up).
          indicator.dimensions.forEach(function (dimension) {
            sums(dimension, "numerator", whole("numerator"), "num", says.numerators_sum);
            sums(dimension, "denominator", whole("denominator"), "den", says.denominators_sum);
          });
        }
        return;
      }
      if (whole("total") === null) { add(errors, fieldName(indicator, "total"), says.missing); return; }
      indicator.dimensions.forEach(function (dimension) {
        sums(dimension, null, whole("total"), "", says.cells_sum);
      });
    });
    return errors;
  }

  // Save, and when submitting the rules of a submission too, as report_update does: the
  // submission's rules are checked only once every value is sound.
  function validate(indicators, figures, rules, submit) {
    var errors = checkValues(indicators, figures, rules);
    if (submit && !Object.keys(errors).length) { errors = checkComplete(indicators, figures, rules); }
    return errors;
  }

  // A figure as typed: whole numbers, also written the Vietnamese way (1.234 or 1 234).
  function parseFigure(text) {
    text = (text || "").trim();
    if (text === "") { return null; }
    if (/^-?\d+$/.test(text)) { return parseInt(text, 10); }
    if (/^\d{1,3}([.,\s\u00a0\u202f])\d{3}(\1\d{3})*$/.test(text)) { return parseInt(text.replace(/\D/g, ""), 10); }
    return text;  // the server's rule says what is wrong with it ("Enter a whole number.")
  }

  root.PortalRules = {
    fieldName: fieldName, checkValues: checkValues, checkComplete: checkComplete,
    validate: validate, parseFigure: parseFigure, format: group
  };
})(self);
