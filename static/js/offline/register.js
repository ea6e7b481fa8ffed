// On every page a reporter sees: installs the service worker, shows whether the device is
// offline and how many reports wait on it, sends them when the connection returns, and clears
// the device's data when the reporter logs out.
/* global gettext, ngettext, interpolate, PortalOffline */
(function () {
  "use strict";
  var body = document.body;
  var user = Number(body.dataset.offlineUser || 0);
  var banner = document.getElementById("offline-banner");
  if (!user || !banner || !window.PortalOffline) { return; }

  function waiting() {
    return PortalOffline.drafts(user).then(function (drafts) {
      return drafts.filter(function (d) { return d.state === "saved"; }).length;
    }, function () { return 0; });
  }

  function render() {
    return waiting().then(function (count) {
      var lines = [];
      if (!navigator.onLine) {
        lines.push(gettext("You are offline. Reports entered on “Offline entry” are saved on this device and sent when the connection returns. Other pages need a connection."));
      }
      if (count) {
        lines.push(interpolate(ngettext(
          "%s report is saved on this device, not yet sent.",
          "%s reports are saved on this device, not yet sent.", count), [count]));
      }
      banner.replaceChildren();
      lines.forEach(function (line) {
        var p = document.createElement("p");
        p.className = "mb-1";
        p.textContent = line;
        banner.appendChild(p);
      });
      if (count && navigator.onLine) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-dark";
        button.id = "offline-send-now";
        button.textContent = gettext("Send now");
        button.addEventListener("click", sync);
        banner.appendChild(button);
      }
      banner.hidden = !lines.length;
      document.dispatchEvent(new CustomEvent("portal-offline-changed"));
    });
  }

  function sync() {
    return PortalOffline.syncAll().then(render, render);
  }
  window.PortalOfflineSync = sync;
  window.PortalOfflineRender = render;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.dataset.worker, { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "portal-synced") { render(); }
    });
  }
  window.addEventListener("online", sync);
  window.addEventListener("offline", render);

  // Logging out clears what the device keeps and removes the service worker (the reports not
  // yet sent too: the reporter is asked first, and may stay to send them).
  var logout = document.getElementById("logout-form");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.cleared) { return; }
      event.preventDefault();
      waiting().then(function (count) {
        if (count && !window.confirm(interpolate(ngettext(
          "%s report on this device has not been sent and will be deleted. Log out anyway?",
          "%s reports on this device have not been sent and will be deleted. Log out anyway?", count), [count]))) {
          return;
        }
        var workers = "serviceWorker" in navigator ? navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
        }) : Promise.resolve();
        Promise.all([PortalOffline.clearAll(), workers]).then(function () {
          logout.dataset.cleared = "1";
          logout.submit();
        });
      });
    });
  }

  render().then(function () {
    return waiting().then(function (count) { if (count && navigator.onLine) { return sync(); } });
  });
})();
