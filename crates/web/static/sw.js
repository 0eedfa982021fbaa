// Jinguo — the service worker of offline visits (our own, no library).
// What it keeps for a women's representative is small whatever her number of households:
//  - the shell: stylesheet, scripts, manifest, icon;
//  - her home page (her worklist), under "/" and under her place's address;
//  - the list of her households (`GET /api/v1/worklist`: masked names, addresses to the
//    building, last visit, what is due), one document for all of them;
//  - one household page without a household (`/offline/household`), which offline.js fills from
//    that list, with the visit forms of the campaigns open today.
// A household's own page is never kept: with no connection, any household opens as that one
// page. Every request goes to the network first; a copy is used only when the network fails.
// Nothing is sent from here but the page's own sync tag (Background Sync, where the browser has
// it): the waiting records are sent by a page (offline.js), which alone holds their key.
// Logging out removes every copy (offline.js deletes the caches and unregisters this worker).
"use strict";
var CACHE = "jinguo-offline-2";
var SHELL = ["/static/app.css", "/static/app.js", "/static/offline.js", "/manifest.webmanifest", "/static/icon.svg"];
var HOUSEHOLD = "/offline/household";
var WORKLIST = "/api/v1/worklist";
var HOME = "/";
// The home page's copy is also served for her place's address (kept in this header).
var FROM = "X-Jinguo-Kept-From";

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) {
      return caches.delete(k);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return new Response("<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width\">" +
    "<link rel=stylesheet href=\"/static/app.css\"><main><h1>离线 · Offline</h1>" +
    "<p>此页面未保存在本机。 This page was not kept on this device.</p><p><a href=\"/\">首页 · Home</a></p></main>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function keep(key, res) {
  return caches.open(CACHE).then(function (c) { return c.put(key, res); });
}

// The home page, fetched again after the redirect to her place, kept once: under "/", with the
// place's path in a header so that the copy also answers for that address.
function keepHome(url) {
  return fetch(url, { credentials: "same-origin" }).then(function (full) {
    var path = new URL(full.url).pathname;
    if (!full.ok || !/^\/places\/[0-9]+$/.test(path)) { return; }
    return full.blob().then(function (b) {
      var h = new Headers(full.headers);
      h.set(FROM, path);
      return keep(HOME, new Response(b, { status: 200, headers: h }));
    });
  });
}

function fromCache(key, fallback) {
  return caches.match(key).then(function (hit) { return hit || fallback(); });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) { return; }
  var path = url.pathname;
  var nav = req.mode === "navigate";
  var shell = SHELL.indexOf(path) >= 0;
  // The two documents offline.js asks for: the list, whole (not a search of it), and the page.
  var doc = (path === WORKLIST && url.search === "") || path === HOUSEHOLD;
  var home = nav && path === HOME;
  var household = nav && /^\/households\/[0-9a-f-]+$/.test(path);
  var place = nav && /^\/places\/[0-9]+$/.test(path) && url.search === "";
  if (!shell && !doc && !home && !household && !place) { return; }
  e.respondWith(fetch(req).then(function (res) {
    // Only what she saw as she saw it: not the login page a lapsed session leads to, not an error.
    if (res.ok && res.type === "basic" && (shell || doc)) {
      e.waitUntil(keep(path, res.clone()));
    } else if (res.ok && res.type === "basic" && place) {
      // Her home page opened under its own address: the copy is renewed.
      var copy = res.clone();
      e.waitUntil(caches.match(HOME).then(function (hit) {
        if (!hit || hit.headers.get(FROM) !== path) { return; }
        return copy.blob().then(function (b) {
          var h = new Headers(copy.headers);
          h.set(FROM, path);
          return keep(HOME, new Response(b, { status: 200, headers: h }));
        });
      }));
    } else if (res.type === "opaqueredirect" && home) {
      e.waitUntil(keepHome(req.url).catch(function () {}));
    }
    return res;
  }, function () {
    if (shell || doc) { return fromCache(path, function () { return Response.error(); }); }
    if (household) { return fromCache(HOUSEHOLD, offlinePage); }
    return caches.match(HOME).then(function (hit) {
      // Her place's page only if it is her home page.
      if (hit && (home || hit.headers.get(FROM) === path)) { return hit; }
      return offlinePage();
    });
  }));
});

// Background Sync, where the browser has it: the records wait encrypted under a key only an open
// page holds, so the worker only asks the open pages to send them (the page's own paths —
// online, load, timer, button — stay the ones that count).
self.addEventListener("sync", function (e) {
  if (e.tag !== "jinguo-send") { return; }
  e.waitUntil(self.clients.matchAll({ type: "window" }).then(function (cs) {
    cs.forEach(function (c) { c.postMessage("jinguo-send"); });
  }));
});
