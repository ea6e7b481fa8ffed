// Offline entry: drawn from what the device keeps (store.js), so that it works without a
// connection. Opens a report of the reporter's organisations (or a new one), checks its figures
// with the server's rules (rules.js), saves it on the device, queues it for sending, and shows a
// conflict with the server's version side by side. Every element is built with textContent.
/* global gettext, interpolate, PortalOffline, PortalRules */
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  var user = Number(document.body.dataset.offlineUser || 0);
  if (!app || !user) { return; }
  var bundle = null;
  var notice = "";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else if (attrs[key] !== null && attrs[key] !== undefined && attrs[key] !== false) { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function programme(code) { return (bundle.programmes || []).filter(function (p) { return p.code === code; })[0]; }
  function report(id) { return (bundle.reports || []).filter(function (r) { return r.id === id; })[0]; }
  function named(list, id, key) { return ((list || []).filter(function (x) { return x[key || "id"] === id; })[0] || {}); }

  function stateText(draft) {
    if (!draft) { return ""; }
    if (draft.state === "conflict") { return gettext("Not sent: the report changed on the server. Compare the two versions below."); }
    if (draft.state === "invalid") { return gettext("Not sent: the server found figures to correct."); }
    if (draft.submit) { return gettext("Saved on this device, not yet sent. The submission is queued: it is sent once when the connection returns."); }
    return gettext("Saved on this device, not yet sent.");
  }

  function load() {
    var fresh = navigator.onLine ? PortalOffline.refresh() : Promise.resolve({ offline: true });
    return fresh.then(function (result) {
      if (result.bundle) { return result.bundle; }
      return PortalOffline.getBundle();
    }).then(function (kept) {
      bundle = kept && kept.user === user ? kept : null;
      return render();
    });
  }

  function render() {
    if (!bundle) {
      app.replaceChildren();
      app.appendChild(el("p", { className: "alert alert-info", text: gettext("Open this page once with a connection: the device then keeps what offline entry needs.") }));
      return Promise.resolve();
    }
    var route = (location.hash || "").replace(/^#/, "");
    return PortalOffline.drafts(user).then(function (drafts) {
      app.replaceChildren();  // once the drafts are read: the page never flickers empty
      var byId = {};
      drafts.forEach(function (d) { byId[d.local_id] = d; });
      var match = /^(draft|report|new)=(.+)$/.exec(route);
      if (!match) { return renderList(drafts); }
      var localId = match[1] === "draft" ? match[2] : match[1] === "report" ? "report-" + match[2] : "new-" + match[2];
      var draft = byId[localId];
      if (draft && draft.state === "conflict") { return renderConflict(draft); }
      return renderEditor(localId, draft);
    });
  }

  // --- The list -----------------------------------------------------------------------------

  function describe(draft) {
    var p = programme(draft.programme) || {};
    var period = named(bundle.periods, draft.period, "code").label || draft.period_label || draft.period;
    return (p.name || draft.programme) + " · " + period + " · " + (named(bundle.organisations, draft.organisation).name || "");
  }

  function renderList(drafts) {
    if (notice) { app.appendChild(el("p", { className: "alert alert-success", role: "status", text: notice })); notice = ""; }
    app.appendChild(el("h2", { className: "h5", text: gettext("On this device, not yet sent") }));
    if (!drafts.length) {
      app.appendChild(el("p", { className: "text-muted", id: "no-drafts", text: gettext("Nothing is waiting on this device.") }));
    } else {
      app.appendChild(el("ul", { className: "list-group mb-3", id: "device-drafts" }, drafts.map(function (draft) {
        return el("li", { className: "list-group-item" }, [
          el("a", { href: "#draft=" + draft.local_id, text: draft.title || describe(draft) }),
          el("div", { className: "small" }, [el("span", { className: "badge text-bg-warning text-wrap text-start draft-state", text: stateText(draft) })])
        ]);
      })));
      if (navigator.onLine) {
        var send = el("button", { type: "button", className: "btn btn-primary mb-3", id: "send-drafts", text: gettext("Send now") });
        send.addEventListener("click", function () { window.PortalOfflineSync(); });
        app.appendChild(send);
      }
    }
    var local = {};
    drafts.forEach(function (d) { if (d.report_id) { local[d.report_id] = true; } });
    var editable = (bundle.reports || []).filter(function (r) { return r.editable && !local[r.id]; });
    app.appendChild(el("h2", { className: "h5", text: gettext("Reports you can edit") }));
    if (!editable.length) {
      app.appendChild(el("p", { className: "text-muted", text: gettext("No draft or returned report.") }));
    } else {
      app.appendChild(el("ul", { className: "list-group mb-3", id: "server-reports" }, editable.map(function (r) {
        return el("li", { className: "list-group-item" }, [
          el("a", { href: "#report=" + r.id, text: r.programme_name + " · " + r.period_label + " · " + r.organisation_name }),
          el("span", { className: "ms-2 small text-muted", text: r.status_label })
        ]);
      })));
    }
    renderNewForm();
    if (bundle.refreshed_at) {
      app.appendChild(el("p", { className: "small text-muted mt-3", id: "refreshed-at", text: interpolate(gettext("Last brought up to date from the server: %s"), [new Date(bundle.refreshed_at).toLocaleString(document.documentElement.lang)]) }));
    }
  }

  function renderNewForm() {
    app.appendChild(el("h2", { className: "h5", text: gettext("New report") }));
    var choices = [];
    (bundle.programmes || []).forEach(function (p) {
      p.organisations.forEach(function (orgId) {
        (bundle.periods || []).forEach(function (period) {
          if (period.kind !== p.period_kind) { return; }
          var taken = (bundle.reports || []).some(function (r) { return r.organisation === orgId && r.programme === p.code && r.period === period.code; });
          if (!taken) { choices.push([orgId + "|" + p.code + "|" + period.code, p.name + " · " + period.label + " · " + named(bundle.organisations, orgId).name]); }
        });
      });
    });
    if (!choices.length) {
      app.appendChild(el("p", { className: "text-muted", text: gettext("No new report can be opened now.") }));
      return;
    }
    var select = el("select", { className: "form-select", id: "new-report-choice" }, choices.map(function (c) { return el("option", { value: c[0], text: c[1] }); }));
    var form = el("form", { className: "mb-3", id: "new-report-form" }, [
      el("label", { className: "form-label", for: "new-report-choice", text: gettext("Programme, period and organisation") }),
      select,
      el("button", { type: "submit", className: "btn btn-outline-primary mt-2", text: gettext("Open") })
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      location.hash = "new=" + select.value;
    });
    app.appendChild(form);
  }

  // --- The editor ---------------------------------------------------------------------------

  function blankFrom(localId) {
    var parts = localId.split("-");
    if (parts[0] === "report") {
      var r = report(Number(parts[1]));
      if (!r) { return null; }
      return { local_id: localId, user: user, report_id: r.id, base_version: r.version, organisation: r.organisation,
        programme: r.programme, period: r.period, period_label: r.period_label, title: r.title, narrative: r.narrative,
        commune: r.commune, figures: r.figures || {}, submit: false, state: "" };
    }
    var choice = localId.slice(4).split("|");
    var p = programme(choice[1]);
    if (!p) { return null; }
    var period = named(bundle.periods, choice[2], "code");
    return { local_id: localId, user: user, report_id: null, base_version: null, organisation: Number(choice[0]),
      programme: choice[1], period: choice[2], period_label: period.label, title: p.name + " · " + (period.label || choice[2]),
      narrative: "", commune: "", figures: {}, submit: false, state: "" };
  }

  function figureInput(name, label, value, role) {
    var id = "f-" + name;
    return el("div", { className: "mb-2" }, [
      el("label", { className: "form-label small mb-0", for: id, text: label }),
      el("input", { type: "text", inputmode: "numeric", autocomplete: "off", className: "form-control form-control-sm figure-input",
        name: name, id: id, value: value === null || value === undefined ? "" : String(value), "data-role": role })
    ]);
  }

  function cellValue(data, dimension, category, part) {
    var value = ((data.cells || {})[dimension] || {})[category];
    if (part) { return value && typeof value === "object" ? value[part] : null; }
    return value;
  }

  function indicatorBlock(indicator, data) {
    var f = PortalRules.fieldName;
    var na = el("input", { type: "checkbox", className: "form-check-input", name: f(indicator, "na"), id: "f-" + f(indicator, "na"), checked: data.not_applicable ? "checked" : null });
    var children = [
      el("legend", { className: "h6", text: indicator.code + " · " + indicator.name + " (" + indicator.unit + ")" }),
      el("div", { className: "form-check mb-2" }, [na, el("label", { className: "form-check-label", for: "f-" + f(indicator, "na"), text: gettext("Not applicable to this report") })])
    ];
    indicator.restrictions.forEach(function (r) {
      children.push(el("p", { className: "small text-muted mb-2", text: interpolate(gettext("%(dimension)s: %(category)s only."), { dimension: r[0], category: r[1] }, true) }));
    });
    if (indicator.is_ratio) {
      children.push(el("div", { className: "row" }, [
        el("div", { className: "col-sm-4" }, [figureInput(f(indicator, "num"), gettext("Numerator"), data.numerator, "numerator")]),
        el("div", { className: "col-sm-4" }, [figureInput(f(indicator, "den"), gettext("Denominator"), data.denominator, "denominator")])
      ]));
    } else {
      children.push(el("div", { className: "row" }, [el("div", { className: "col-sm-4" }, [figureInput(f(indicator, "total"), gettext("Total"), data.total, "total")])]));
    }
    indicator.dimensions.forEach(function (dimension) {
      var cells = dimension.categories.map(function (category) {
        if (indicator.is_ratio) {
          return el("div", { className: "col" }, [el("div", { className: "border rounded px-2 pt-1" }, [
            el("p", { className: "small mb-1", text: category[1] }),
            figureInput(f(indicator, dimension.key, category[0], "num"), interpolate(gettext("%s: numerator"), [category[1]]), cellValue(data, dimension.key, category[0], "numerator"), "cell-numerator"),
            figureInput(f(indicator, dimension.key, category[0], "den"), interpolate(gettext("%s: denominator"), [category[1]]), cellValue(data, dimension.key, category[0], "denominator"), "cell-denominator")
          ])]);
        }
        return el("div", { className: "col" }, [figureInput(f(indicator, dimension.key, category[0]), category[1], cellValue(data, dimension.key, category[0]), "cell")]);
      });
      children.push(el("p", { className: "small fw-semibold mb-1", text: dimension.label }));
      children.push(el("div", { className: "row row-cols-2 row-cols-sm-3 row-cols-md-5 g-2" }, cells));
    });
    return el("fieldset", { className: "card card-body mb-3 indicator-block", "data-indicator": indicator.code }, children);
  }

  function readFigures(form, indicators) {
    var f = PortalRules.fieldName;
    var value = function (name) { var input = form.elements.namedItem(name); return input ? PortalRules.parseFigure(input.value) : null; };
    var figures = {};
    indicators.forEach(function (indicator) {
      var data = { not_applicable: form.elements.namedItem(f(indicator, "na")).checked, cells: {} };
      if (indicator.is_ratio) {
        data.numerator = value(f(indicator, "num"));
        data.denominator = value(f(indicator, "den"));
      } else {
        data.total = value(f(indicator, "total"));
      }
      indicator.dimensions.forEach(function (dimension) {
        dimension.categories.forEach(function (category) {
          var cell;
          if (indicator.is_ratio) {
            var n = value(f(indicator, dimension.key, category[0], "num"));
            var d = value(f(indicator, dimension.key, category[0], "den"));
            cell = n === null && d === null ? null : { numerator: n, denominator: d };
          } else {
            cell = value(f(indicator, dimension.key, category[0]));
          }
          if (cell !== null) { (data.cells[dimension.key] = data.cells[dimension.key] || {})[category[0]] = cell; }
        });
      });
      figures[indicator.code] = data;
    });
    return figures;
  }

  function showErrors(form, summary, errors, message) {
    form.querySelectorAll(".is-invalid").forEach(function (input) { input.classList.remove("is-invalid"); input.removeAttribute("aria-describedby"); });
    form.querySelectorAll(".offline-error").forEach(function (node) { node.remove(); });
    summary.replaceChildren();
    var names = Object.keys(errors || {});
    summary.hidden = !names.length && !message;
    if (summary.hidden) { return; }
    if (message) { summary.appendChild(el("p", { className: "mb-1", text: message })); }
    var list = el("ul", { className: "mb-0" });
    names.forEach(function (name) {
      var messages = [].concat(errors[name]).join(" ");
      var input = form.elements.namedItem(name);
      if (input && input.id) {
        input.classList.add("is-invalid");
        input.setAttribute("aria-describedby", input.id + "-error");
        input.parentNode.appendChild(el("div", { className: "invalid-feedback d-block offline-error", id: input.id + "-error", text: messages }));
        list.appendChild(el("li", {}, [el("a", { href: "#" + input.id, className: "alert-link", text: (form.querySelector('label[for="' + input.id + '"]') || {}).textContent || name }), document.createTextNode(": " + messages)]));
      } else {
        list.appendChild(el("li", { text: messages }));
      }
    });
    summary.appendChild(list);
    summary.focus();
  }

  function renderEditor(localId, draft) {
    var current = draft || blankFrom(localId);
    if (!current) { location.hash = ""; return render(); }
    var p = programme(current.programme);
    var indicators = p ? p.indicators : [];
    app.appendChild(el("p", {}, [el("a", { href: "#", text: gettext("Back to the list") })]));
    app.appendChild(el("h2", { className: "h4", id: "editor-heading", text: (p ? p.name : current.programme) + " · " + (current.period_label || current.period) }));
    var state = el("p", { className: "badge text-bg-warning text-wrap text-start fs-6", id: "draft-state", role: "status", text: stateText(draft) });
    state.hidden = !draft;
    app.appendChild(state);
    app.appendChild(el("p", { className: "small text-muted", text: gettext("Attachments cannot be added offline: attach files from the report's page once you are online. Spending lines and pillars are kept as they are on the server.") }));
    var summary = el("div", { className: "alert alert-danger", role: "alert", tabindex: "-1", id: "offline-errors" });
    summary.hidden = true;
    var title = el("input", { type: "text", className: "form-control", name: "title", id: "f-title", value: current.title || "", maxlength: "200" });
    var commune = el("input", { type: "text", className: "form-control", name: "commune", id: "f-commune", value: current.commune || "", maxlength: "120" });
    var narrative = el("textarea", { className: "form-control", name: "narrative", id: "f-narrative", rows: "5" });
    narrative.value = current.narrative || "";
    var form = el("form", { id: "offline-form", novalidate: "novalidate" }, [
      summary,
      el("div", { className: "mb-3" }, [el("label", { className: "form-label", for: "f-title", text: gettext("Title") }), title]),
      el("div", { className: "mb-3" }, [el("label", { className: "form-label", for: "f-commune", text: gettext("Commune") }), commune]),
      el("div", { className: "mb-3" }, [el("label", { className: "form-label", for: "f-narrative", text: gettext("What was done (activities, not people: no names or other details of survivors)") }), narrative]),
      el("h3", { className: "h5", text: gettext("Figures") })
    ].concat(indicators.map(function (indicator) { return indicatorBlock(indicator, (current.figures || {})[indicator.code] || {}); })).concat([
      el("div", { className: "d-flex flex-wrap gap-2 sticky-bottom bg-body py-3 border-top" }, [
        el("button", { type: "submit", name: "save", className: "btn btn-outline-primary", id: "save-on-device", text: gettext("Save on this device") }),
        el("button", { type: "submit", name: "submit", className: "btn btn-primary", id: "submit-on-device", text: gettext("Submit for review") })
      ])
    ]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submit = event.submitter && event.submitter.name === "submit";
      var figures = readFigures(form, indicators);
      var errors = PortalRules.validate(indicators, figures, bundle.rules, submit);
      if (!title.value.trim()) { errors.title = [gettext("Give the report a title.")]; }
      if (Object.keys(errors).length) { showErrors(form, summary, errors, ""); return; }
      var saved = {
        local_id: current.local_id, user: user, report_id: current.report_id, base_version: current.base_version,
        organisation: current.organisation, programme: current.programme, period: current.period, period_label: current.period_label,
        title: title.value, narrative: narrative.value, commune: commune.value, figures: figures, submit: submit,
        key: PortalOffline.newKey(), state: "saved", saved_at: new Date().toISOString()
      };
      PortalOffline.putDraft(saved).then(function () {
        return render().then(function () {
          if (navigator.onLine) { return window.PortalOfflineSync(); }
          if ("serviceWorker" in navigator) {
            navigator.serviceWorker.ready.then(function (registration) {
              if (registration.sync) { registration.sync.register(PortalOffline.SYNC_TAG).catch(function () {}); }
            });
          }
          return window.PortalOfflineRender();
        });
      });
    });
    app.appendChild(form);
    if (draft && draft.state === "invalid") { showErrors(form, summary, draft.errors, draft.message); }
    return Promise.resolve();
  }

  // --- A conflict ---------------------------------------------------------------------------

  function rows(indicators, figures) {
    var f = PortalRules.fieldName;
    var out = [];
    indicators.forEach(function (indicator) {
      var data = figures[indicator.code] || {};
      var parts = indicator.is_ratio ? [["numerator", "num", gettext("Numerator")], ["denominator", "den", gettext("Denominator")]] : [["total", "total", gettext("Total")]];
      if (data.not_applicable) { out.push([f(indicator, "na"), indicator.code + " · " + gettext("Not applicable to this report"), gettext("yes")]); }
      parts.forEach(function (part) { out.push([f(indicator, part[1]), indicator.code + " · " + part[2], data[part[0]]]); });
      indicator.dimensions.forEach(function (dimension) {
        dimension.categories.forEach(function (category) {
          parts.forEach(function (part) {
            if (indicator.is_ratio) {
              out.push([f(indicator, dimension.key, category[0], part[1]), indicator.code + " · " + category[1] + " · " + part[2], cellValue(data, dimension.key, category[0], part[0])]);
            } else {
              out.push([f(indicator, dimension.key, category[0]), indicator.code + " · " + dimension.label + " · " + category[1], cellValue(data, dimension.key, category[0])]);
            }
          });
        });
      });
    });
    return out;
  }

  function version(heading, id, content, indicators, other) {
    var theirs = {};
    rows(indicators, other.figures || {}).forEach(function (row) { theirs[row[0]] = row[2]; });
    var table = el("table", { className: "table table-sm" }, [
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: gettext("Figure") }), el("th", { scope: "col", text: gettext("Value") })])]),
      el("tbody", {}, rows(indicators, content.figures || {}).filter(function (row) {
        return row[2] !== null && row[2] !== undefined || theirs[row[0]] !== null && theirs[row[0]] !== undefined;
      }).map(function (row) {
        var differs = String(row[2] === undefined ? null : row[2]) !== String(theirs[row[0]] === undefined ? null : theirs[row[0]]);
        return el("tr", { className: differs ? "table-warning" : null, "data-field": row[0] }, [
          el("th", { scope: "row", className: "fw-normal", text: row[1] }),
          el("td", { className: "figure-value", text: row[2] === null || row[2] === undefined ? "—" : String(row[2]) + (differs ? " ≠" : "") })
        ]);
      }))
    ]);
    return el("section", { className: "col-md-6", id: id, "aria-labelledby": id + "-heading" }, [
      el("h3", { className: "h5", id: id + "-heading", text: heading }),
      el("p", { className: "fw-semibold mb-1 version-title", text: content.title }),
      el("p", { className: "small version-narrative", text: content.narrative || "—" }),
      el("div", { className: "table-responsive" }, [table])
    ]);
  }

  function renderConflict(draft) {
    var server = draft.server;
    var p = programme(draft.programme);
    var indicators = p ? p.indicators : [];
    app.appendChild(el("p", {}, [el("a", { href: "#", text: gettext("Back to the list") })]));
    app.appendChild(el("h2", { className: "h4", text: gettext("Two versions of this report") }));
    app.appendChild(el("p", { className: "alert alert-warning", role: "status", id: "conflict-message", text: draft.message || "" }));
    if (!server) { return Promise.resolve(); }
    app.appendChild(el("div", { className: "row", id: "conflict" }, [
      version(gettext("On this device (not sent)"), "device-version", draft, indicators, server),
      version(interpolate(gettext("On the server (version %(version)s, %(status)s)"), { version: server.version, status: server.status_label }, true), "server-version", server, indicators, draft)
    ]));
    var buttons = el("div", { className: "d-flex flex-wrap gap-2 mb-3" });
    if (server.editable) {
      var mine = el("button", { type: "button", className: "btn btn-primary", id: "send-mine", text: gettext("Send this device's version") });
      mine.addEventListener("click", function () {
        draft.report_id = server.id;
        draft.base_version = server.version;
        draft.key = PortalOffline.newKey();
        draft.state = "saved";
        draft.server = null;
        PortalOffline.putDraft(draft).then(function () { location.hash = ""; return window.PortalOfflineSync(); });
      });
      buttons.appendChild(mine);
      var edit = el("button", { type: "button", className: "btn btn-outline-primary", id: "edit-mine", text: gettext("Edit this device's version first") });
      edit.addEventListener("click", function () {
        draft.report_id = server.id;
        draft.base_version = server.version;
        draft.state = "invalid";
        draft.errors = {};
        draft.message = gettext("Based now on the server's latest version: save to send it.");
        PortalOffline.putDraft(draft).then(render);
      });
      buttons.appendChild(edit);
      app.appendChild(el("p", { className: "small text-muted", text: gettext("Sending this device's version replaces the server's; the server's version stays readable in the report's history.") }));
    } else {
      app.appendChild(el("p", { className: "small text-muted", text: gettext("The report can no longer be changed from this device. This device's version stays here until you remove it: copy what you need first.") }));
    }
    var theirs = el("button", { type: "button", className: "btn btn-outline-danger", id: "keep-server", text: gettext("Keep the server's version and remove this device's") });
    theirs.addEventListener("click", function () {
      PortalOffline.deleteDraft(draft.local_id).then(function () { location.hash = ""; return window.PortalOfflineRender(); });
    });
    buttons.appendChild(theirs);
    app.appendChild(buttons);
    return Promise.resolve();
  }

  window.addEventListener("hashchange", render);
  document.addEventListener("portal-offline-changed", function () {
    PortalOffline.getBundle().then(function (kept) {
      if (kept && kept.user === user) { bundle = kept; }
      var editing = document.getElementById("offline-form");
      // Not under the reporter's fingers: the form they are typing in stays as it is, unless
      // what it shows was just sent.
      var typing = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (editing && typing && editing.contains(document.activeElement)) { return; }
      render();
    });
  });
  load();
})();
