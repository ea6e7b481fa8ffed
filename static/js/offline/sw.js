// The portal's service worker. Served at /sw.js by config.offline.service_worker, which puts
// the version and the addresses (hashed static names in production) in PORTAL_WORKER before
// this text and loads rules.js and store.js; a new version makes a new cache and the old one
// is deleted when the new worker takes over.
/* global PORTAL_WORKER, PortalOffline */
"use strict";
var CACHE = PortalOffline.CACHE_PREFIX + PORTAL_WORKER.version;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // The pages with the logged-in reporter's cookie (offline entry, the "needs a
      // connection" page, the translations of the scripts), then the static files they use.
      return cache.addAll(PORTAL_WORKER.pages.concat([PORTAL_WORKER.catalog], PORTAL_WORKER.precache));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf(PortalOffline.CACHE_PREFIX) === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request, cacheKey) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(cacheKey || request, copy); });
    }
    return response;
  }, function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(cacheKey || request, { ignoreSearch: !cacheKey, ignoreVary: true });
    }).then(function (hit) { return hit || Promise.reject(new Error("offline")); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(PORTAL_WORKER.static_url) === 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (url.pathname === PORTAL_WORKER.catalog) {
    event.respondWith(networkFirst(request, PORTAL_WORKER.catalog));
    return;
  }
  if (request.mode !== "navigate") { return; }
  var entry = PORTAL_WORKER.pages[0];
  if (url.pathname === entry) {
    event.respondWith(networkFirst(request, entry));
    return;
  }
  // Any other page: from the network; offline, the page saying it needs a connection.
  event.respondWith(fetch(request).catch(function () {
    return caches.match(PORTAL_WORKER.pages[1], { ignoreVary: true });
  }));
});

// Background Sync: the browser wakes the worker when the connection is back.
self.addEventListener("sync", function (event) {
  if (event.tag !== PortalOffline.SYNC_TAG) { return; }
  event.waitUntil(PortalOffline.syncAll().then(function (outcome) {
    return self.clients.matchAll().then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "portal-synced", outcome: outcome }); });
    });
  }));
});
