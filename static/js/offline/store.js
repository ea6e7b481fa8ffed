// What the device keeps for offline entry (IndexedDB "portal-offline") and how queued changes
// are sent. A classic script: the page and the service worker both load it (after rules.js).
// Stores: "bundle" (one record: the reporter's organisations, programmes, indicators, periods,
// editable reports and figure rules, see reports/offline.py) and "drafts" (what was typed on
// this device and not yet accepted by the server, one record per report).
(function (root) {
  "use strict";
  var DB_NAME = "portal-offline";
  var CACHE_PREFIX = "portal-offline-";
  var SYNC_TAG = "portal-drafts";
  var urls = { data: "/reports/offline/data/", sync: "/reports/offline/sync/" };

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("bundle");
        db.createObjectStore("drafts", { keyPath: "local_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        var request = work(tx.objectStore(storeName));
        request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var store = {
    urls: urls,
    SYNC_TAG: SYNC_TAG,
    CACHE_PREFIX: CACHE_PREFIX,
    getBundle: function () { return run("bundle", "readonly", function (s) { return s.get("bundle"); }); },
    putBundle: function (bundle) { return run("bundle", "readwrite", function (s) { return s.put(bundle, "bundle"); }); },
    drafts: function (user) {
      return run("drafts", "readonly", function (s) { return s.getAll(); }).then(function (all) {
        return (all || []).filter(function (d) { return d.user === user; })
          .sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
      });
    },
    getDraft: function (localId) { return run("drafts", "readonly", function (s) { return s.get(localId); }); },
    putDraft: function (draft) { return run("drafts", "readwrite", function (s) { return s.put(draft); }); },
    deleteDraft: function (localId) { return run("drafts", "readwrite", function (s) { return s.delete(localId); }); },
    newKey: function () { return crypto.randomUUID(); },

    // Everything the device keeps: the database and the service worker's caches.
    clearAll: function () {
      var databases = new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
      var cached = root.caches ? caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf(CACHE_PREFIX) === 0; })
          .map(function (k) { return caches.delete(k); }));
      }) : Promise.resolve();
      return Promise.all([databases, cached]);
    },

    // The bundle fresh from the server, kept on the device; null when offline or logged out.
    refresh: function () {
      return fetch(urls.data, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          if (!response.ok || response.redirected || !json) { return { loggedOut: true }; }
          return response.json().then(function (bundle) {
            bundle.refreshed_at = new Date().toISOString();
            return store.putBundle(bundle).then(function () { return { bundle: bundle }; });
          });
        }, function () { return { offline: true }; });
    },

    // Send every draft waiting to be sent, one at a time, each with the version it was based on
    // and its key (a draft sent twice arrives once). Serialised across the page and the
    // service worker by a Web Lock where the browser has them.
    syncAll: function () {
      var work = function () { return store._syncAll(); };
      if (root.navigator && navigator.locks) { return navigator.locks.request("portal-offline-sync", work); }
      return work();
    },

    _syncAll: function () {
      var outcome = { sent: 0, conflicts: 0, invalid: 0, offline: false, loggedOut: false };
      return store.refresh().then(function (fresh) {
        if (!fresh.bundle) { outcome.offline = !!fresh.offline; outcome.loggedOut = !!fresh.loggedOut; return outcome; }
        var bundle = fresh.bundle;
        return store.drafts(bundle.user).then(function (drafts) {
          var waiting = drafts.filter(function (d) { return d.state === "saved"; });
          return waiting.reduce(function (chain, draft) {
            return chain.then(function () {
              if (outcome.offline) { return null; }
              return store._send(draft, bundle.csrf_token, outcome);
            });
          }, Promise.resolve()).then(function () {
            return store.refresh().then(function () { return outcome; });
          });
        });
      });
    },

    _send: function (draft, csrfToken, outcome) {
      var body = {
        key: draft.key, report: draft.report_id, base_version: draft.base_version,
        organisation: draft.organisation, programme: draft.programme, period: draft.period,
        title: draft.title, narrative: draft.narrative, commune: draft.commune,
        figures: draft.figures, submit: !!draft.submit
      };
      return fetch(urls.sync, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body)
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) { outcome.loggedOut = true; return null; }
        return response.json().then(function (answer) {
          if (response.status === 200) {
            outcome.sent += 1;
            return store.deleteDraft(draft.local_id);
          }
          if (response.status === 409) {
            outcome.conflicts += 1;
            draft.state = "conflict";
            draft.server = answer.server || null;
            draft.message = answer.message;
            if (answer.server && draft.report_id === null) { draft.report_id = answer.server.id; }
            return store.putDraft(draft);
          }
          if (response.status === 400) {
            outcome.invalid += 1;
            draft.state = "invalid";
            draft.message = answer.message;
            draft.errors = answer.errors || {};
            return store.putDraft(draft);
          }
          return null;
        });
      }, function () { outcome.offline = true; });
    }
  };

  root.PortalOffline = store;
})(self);
