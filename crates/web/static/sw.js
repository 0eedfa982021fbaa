// Jinguo — the service worker of offline visits (our own, no library).
// It keeps the shell (stylesheet, scripts, manifest) and the pages a women's representative
// opened — her home page, her households, her campaigns — so that she can open them again with
// no connection. Every request goes to the network first; the copy is used only when the network
// fails. Nothing is sent from here: the page's queue (offline.js) sends what she recorded.
// Logging out removes every copy (offline.js deletes the caches and unregisters this worker).
"use strict";
var CACHE = "jinguo-offline-1";
var SHELL = ["/static/app.css", "/static/app.js", "/static/offline.js", "/manifest.webmanifest"];
// The pages kept for her: the home page, households, campaigns and places (her worklist).
var PAGES = /^\/($|households\/[0-9a-f-]+$|campaigns(\/|$)|places\/[0-9]+$)/;

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

// The key a page is kept under: its address without the one-time notice of a recorded visit.
function keyOf(url) {
  var u = new URL(url);
  u.searchParams.delete("visited");
  u.hash = "";
  return u.toString();
}

function offlinePage() {
  return new Response("<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width\">" +
    "<link rel=stylesheet href=\"/static/app.css\"><main><h1>离线 · Offline</h1>" +
    "<p>此页面未保存在本机。 This page was not kept on this device.</p><p><a href=\"/\">首页 · Home</a></p></main>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) { return; }
  var shell = SHELL.indexOf(url.pathname) >= 0;
  var page = req.mode === "navigate" && PAGES.test(url.pathname);
  if (!shell && !page) { return; }
  var key = shell ? url.pathname : keyOf(req.url);
  e.respondWith(fetch(req).then(function (res) {
    // Only a page of hers as she saw it: not the login page a lapsed session leads to, not an
    // error.
    if (res.ok && res.type === "basic") {
      var copy = res.clone();
      e.waitUntil(caches.open(CACHE).then(function (c) { return c.put(key, copy); }));
    } else if (res.type === "opaqueredirect" && page) {
      // Her home page leads to her place's page: that page is kept under the home's address.
      e.waitUntil(fetch(req.url, { credentials: "same-origin" }).then(function (full) {
        if (!full.ok || !PAGES.test(new URL(full.url).pathname)) { return; }
        return full.blob().then(function (b) {
          var kept = new Response(b, { status: 200, headers: full.headers });
          return caches.open(CACHE).then(function (c) { return c.put(key, kept); });
        });
      }).catch(function () {}));
    }
    return res;
  }, function () {
    return caches.match(key).then(function (hit) { return hit || (page ? offlinePage() : Response.error()); });
  }));
});
