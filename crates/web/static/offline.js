// Jinguo — offline visits for a women's representative (our own script, no library).
// 1. A visit form marked data-offline is sent to the API; when the server cannot be reached the
//    visit is kept on this device, in IndexedDB, encrypted (AES-GCM) under a random data key.
//    That key is stored only wrapped by a key derived from her passphrase (PBKDF2, SHA-256,
//    600,000 iterations); the unwrapped key lives in this page's memory only.
// 2. What waits is sent when the browser comes online, when a page loads (once unlocked), every
//    30 seconds and on the button; one item at a time, with the request key it was made with, so
//    the server records each once. An item is never dropped after some number of tries: it waits
//    until the server answers. A refusal (409, 412, 422 …) is kept and shown, never sent again
//    by itself; she removes it when she has seen it.
// 3. Logging out is refused while anything waits; otherwise it clears this device (the queue,
//    the caches of the service worker, the drafts) before the session ends.
// 4. Her home page asks for the two documents the service worker keeps for her households: the
//    list of them (masked, one document) and one household page without a household; with no
//    connection, a household opens as that page, filled here from the list, with the visit
//    form of each campaign that still waits for it.
// 5. Background Sync, where the browser has it, only wakes an open page to send (step 2).
"use strict";
(function () {
  var bar = document.getElementById("offline");
  if (!bar || !window.indexedDB || !window.crypto || !crypto.subtle) { return; }
  var DB = "jinguo-offline";
  var ITERATIONS = 600000;
  var key = null; // the data key, unwrapped: in memory only
  var running = null;
  var pending = null; // a visit recorded while the queue was locked
  function t(k) { return bar.getAttribute("data-t-" + k) || k; }
  function $(id) { return document.getElementById(id); }

  var WORKLIST = "/api/v1/worklist";
  var HOUSEHOLD = "/offline/household";
  var sw = navigator.serviceWorker;
  if (sw) {
    sw.register("/sw.js").catch(function () {});
    // Background Sync (an extra): the worker asks the open pages to send.
    sw.addEventListener("message", function (e) { if (e.data === "jinguo-send") { sync(); } });
  }
  function askBackgroundSync() {
    if (!sw) { return; }
    sw.ready.then(function (r) { return r.sync ? r.sync.register("jinguo-send") : null; }).catch(function () {});
  }

  // Her home page (it shows her worklist): the documents kept for offline use are renewed,
  // through the service worker once it controls the page.
  function renewKept() {
    var get = function () {
      return Promise.all([WORKLIST, HOUSEHOLD].map(function (u) {
        return fetch(u, { credentials: "same-origin", headers: { "Accept-Language": document.documentElement.lang || "zh-CN" } })
          .then(function (r) { return r.ok; }, function () { return false; });
      })).then(function (ok) { if (ok[0] && ok[1]) { bar.setAttribute("data-kept", "1"); } });
    };
    if (sw.controller) { return get(); }
    sw.addEventListener("controllerchange", function once() {
      sw.removeEventListener("controllerchange", once);
      get();
    });
  }
  if (sw && document.getElementById("worklist") && navigator.onLine !== false) { renewKept(); }

  // --- A household from the kept list (the page /offline/household, shown for /households/…) --
  function day() {
    var d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 10);
  }
  function hex(n) {
    return Array.prototype.map.call(random(n), function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function showHousehold() {
    var box = $("offline-household");
    var m = /^\/households\/([0-9a-f-]+)$/.exec(location.pathname);
    if (!box || !m) { return; }
    var id = m[1];
    var label = function (k) { return box.getAttribute("data-t-" + k) || k; };
    fetch(WORKLIST, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }, function () { return null; })
      .then(function (w) {
        var h = w && (w.households || []).filter(function (x) { return x.id === id; })[0];
        if (!h) { $("offline-missing").hidden = false; return; }
        document.title = h.code + " · " + document.title;
        $("oh-code").textContent = h.code;
        $("oh-head").textContent = h.head;
        $("oh-address").textContent = h.address;
        var last = $("oh-last");
        if (h.last_visit_on) {
          last.textContent = h.last_visit_on + " ";
          var b = document.createElement("span");
          b.className = "badge risk-" + ({ low: "blue", medium: "yellow", high: "red" }[h.last_risk] || "none");
          b.textContent = label("risk-" + h.last_risk);
          last.appendChild(b);
        } else {
          last.textContent = last.getAttribute("data-never");
        }
        var today = day();
        var forms = 0;
        (h.due || []).forEach(function (d) {
          var badge = document.createElement("span");
          badge.className = "badge due due-" + d.kind + (d.on <= today ? " overdue" : "");
          badge.textContent = label("due-" + d.kind) + " " + d.on;
          $("oh-due").appendChild(badge);
          $("oh-due").appendChild(document.createTextNode(" "));
          var t = d.kind === "visit" && d.campaign &&
            document.querySelector("template.oh-form[data-campaign='" + d.campaign + "']");
          if (!t) { return; }
          var form = t.content.firstElementChild.cloneNode(true);
          form.setAttribute("action", "/households/" + id + "/visits#screening");
          form.setAttribute("data-offline", "/api/v1/campaigns/" + d.campaign + "/households/" + id + "/visits");
          form.querySelector("input[name=request_key]").value = hex(16);
          var on = form.querySelector("input[name=visited_on]");
          var max = on.getAttribute("max");
          on.setAttribute("max", max && max < today ? max : today);
          on.value = max && max < today ? max : today;
          $("oh-forms").appendChild(form);
          forms += 1;
        });
        $("oh-none").hidden = forms > 0;
        box.hidden = false;
      });
  }
  showHousehold();

  // --- IndexedDB, in a few lines ------------------------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () {
        r.result.createObjectStore("meta");
        r.result.createObjectStore("queue", { keyPath: "id" });
      };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  // Runs one request on a store and resolves with its result once the transaction is done.
  function run(store, mode, op) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var req = op(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(req.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function meta(k) { return run("meta", "readonly", function (s) { return s.get(k); }); }
  function setMeta(k, v) { return run("meta", "readwrite", function (s) { return s.put(v, k); }); }
  function items() { return run("queue", "readonly", function (s) { return s.getAll(); }); }
  function put(item) { return run("queue", "readwrite", function (s) { return s.put(item); }); }
  function remove(id) { return run("queue", "readwrite", function (s) { return s.delete(id); }); }

  // --- Keys ---------------------------------------------------------------------------------
  var enc = new TextEncoder();
  function random(n) { return crypto.getRandomValues(new Uint8Array(n)); }
  function derive(pass, salt, iterations) {
    return crypto.subtle.importKey("raw", enc.encode(pass), "PBKDF2", false, ["deriveKey"]).then(function (base) {
      return crypto.subtle.deriveKey({ name: "PBKDF2", salt: salt, iterations: iterations, hash: "SHA-256" },
        base, { name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
    });
  }
  function unwrap(w, kek) {
    return crypto.subtle.unwrapKey("raw", w.wrapped, kek, { name: "AES-GCM", iv: w.iv },
      { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }
  // The first time: a random data key, stored wrapped by the key of her passphrase.
  function create(pass) {
    var w = { salt: random(16), iv: random(12), iterations: ITERATIONS };
    return Promise.all([
      crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]),
      derive(pass, w.salt, w.iterations)
    ]).then(function (k) {
      return crypto.subtle.wrapKey("raw", k[0], k[1], { name: "AES-GCM", iv: w.iv }).then(function (wrapped) {
        w.wrapped = wrapped;
        return setMeta("key", w).then(function () { return unwrap(w, k[1]); });
      });
    });
  }
  function unlock(pass) {
    return meta("key").then(function (w) {
      if (!w) { return create(pass); }
      return derive(pass, w.salt, w.iterations).then(function (kek) { return unwrap(w, kek); });
    });
  }
  // An item's content is sealed with its id as associated data: it cannot be moved to another.
  function seal(id, content) {
    var iv = random(12);
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: enc.encode(id) }, key,
      enc.encode(JSON.stringify(content))).then(function (ct) { return { iv: iv, ct: ct }; });
  }
  function unseal(item) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: item.iv, additionalData: enc.encode(item.id) }, key, item.ct)
      .then(function (b) { return JSON.parse(new TextDecoder().decode(b)); });
  }

  // --- Sending ------------------------------------------------------------------------------
  function csrf() {
    var f = document.querySelector("input[name=csrf]");
    return f ? f.value : "";
  }
  function post(content) {
    return fetch(content.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept-Language": document.documentElement.lang || "zh-CN",
        "X-CSRF-Token": csrf()
      },
      body: JSON.stringify(content.body)
    });
  }
  function problemText(r) {
    return r.json().then(function (p) {
      var fields = (p.errors || []).map(function (e) { return e.message || e.field; }).join("; ");
      return (p.detail || p.title || "") + (fields ? " " + fields : "") || String(r.status);
    }, function () { return String(r.status); });
  }
  function say(text) { $("offline-msg").textContent = text; }

  // One round: every waiting item in the order it was recorded, stopping at the first that
  // cannot reach the server. Rounds never overlap (in this page, nor across tabs).
  function sync() {
    if (!key) { return render(); }
    if (running) { return running; }
    var round = function () {
      return items().then(function (all) {
        var waiting = all.filter(function (i) { return i.state === "waiting"; })
          .sort(function (a, b) { return a.at - b.at; });
        var reached = true;
        var chain = Promise.resolve();
        waiting.forEach(function (item) {
          chain = chain.then(function () {
            if (!reached) { return; }
            return unseal(item).then(function (content) {
              return post(content).then(function (r) {
                if (r.ok) { return remove(item.id); }
                if (r.status === 401 || r.status === 403) { reached = false; say(t("session")); return; }
                if (r.status === 408 || r.status === 429 || r.status >= 500) { reached = false; return; }
                // Refused: kept, shown, and not sent again by itself.
                return problemText(r).then(function (why) {
                  content.problem = why;
                  return seal(item.id, content).then(function (s) {
                    return put({ id: item.id, at: item.at, state: "conflict", iv: s.iv, ct: s.ct });
                  });
                });
              }, function () { reached = false; say(t("unreachable")); });
            });
          });
        });
        return chain.then(function () {
          if (reached) { say(""); return setMeta("last", Date.now()); }
        });
      });
    };
    var work = navigator.locks ? navigator.locks.request("jinguo-offline-sync", round) : round();
    running = work.catch(function () {}).then(function () { running = null; return render(); });
    return running;
  }

  // Keeps a visit on the device; the form's request key goes with it (a new one if an item
  // already waits under the same key, e.g. a page opened again from the device's copy).
  function keep(content) {
    return items().then(function (all) {
      var k = content.body.request_key;
      if (!k || all.some(function (i) { return i.id === k; })) {
        k = hex(16);
        content.body.request_key = k;
      }
      return seal(k, content).then(function (s) {
        return put({ id: k, at: Date.now(), state: "waiting", iv: s.iv, ct: s.ct });
      });
    }).then(function () { say(t("kept")); askBackgroundSync(); return render(); });
  }

  // --- The page -----------------------------------------------------------------------------
  function render() {
    return Promise.all([items(), meta("last"), meta("key")]).then(function (r) {
      var all = r[0];
      $("offline-count").textContent = String(all.length);
      bar.setAttribute("data-waiting", String(all.length));
      $("offline-last").textContent = r[1] ? new Date(r[1]).toLocaleString(document.documentElement.lang) : t("never");
      $("offline-unlock").hidden = !!key;
      $("offline-pass-label").textContent = r[2] ? t("unlock") : t("create");
      var list = $("offline-conflicts");
      list.textContent = "";
      if (!key) { return; }
      return Promise.all(all.filter(function (i) { return i.state === "conflict"; }).map(function (i) {
        return unseal(i).then(function (c) {
          var li = document.createElement("li");
          li.className = "offline-conflict";
          var a = document.createElement("a");
          a.href = c.back;
          a.textContent = c.label;
          var why = document.createElement("span");
          why.textContent = " " + t("refused") + " " + c.problem + " ";
          var b = document.createElement("button");
          b.type = "button";
          b.textContent = t("discard");
          b.addEventListener("click", function () {
            if (window.confirm(t("discard_confirm"))) { remove(i.id).then(render); }
          });
          li.appendChild(a); li.appendChild(why); li.appendChild(b);
          list.appendChild(li);
        });
      }));
    });
  }

  function visit(form) {
    var f = new FormData(form);
    var body = { visited_on: f.get("visited_on") || "", risk: f.get("risk") || "", note: f.get("note") || "",
      followup: f.has("followup"), findings: [], request_key: f.get("request_key") || "" };
    f.forEach(function (v, k) { if (k.indexOf("finding.") === 0) { body.findings.push(k.slice(8)); } });
    var h1 = document.querySelector("h1");
    return { url: form.getAttribute("data-offline"), body: body, back: location.pathname,
      label: h1 ? h1.textContent : document.title };
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.getAttribute("action") === "/logout") {
      // Refused while anything waits; otherwise the device is cleared, then she logs out.
      e.preventDefault();
      e.stopImmediatePropagation();
      items().then(function (all) {
        if (all.length) { say(t("logout_refused")); $("offline").scrollIntoView(); return; }
        return clear().then(function () { form.submit(); });
      });
      return;
    }
    if (!form.hasAttribute("data-offline")) { return; }
    e.preventDefault();
    var content = visit(form);
    var button = form.querySelector("button[type=submit]");
    var again = function () { window.setTimeout(function () { if (button) { button.disabled = false; } }, 10); };
    post(content).then(function (r) {
      if (r.ok) {
        location.href = content.back + "?visited=1#screening";
      } else {
        // The server answered: let it show the form with what it refused.
        HTMLFormElement.prototype.submit.call(form);
      }
    }, function () {
      again();
      if (key) { return keep(content); }
      pending = content;
      say(t("locked"));
      $("offline-pass").focus();
      return render();
    });
  }, true);

  function clear() {
    key = null;
    var jobs = [new Promise(function (resolve) {
      var r = indexedDB.deleteDatabase(DB);
      r.onsuccess = r.onerror = r.onblocked = function () { resolve(); };
    })];
    if (window.caches) {
      jobs.push(caches.keys().then(function (ks) { return Promise.all(ks.map(function (k) { return caches.delete(k); })); }));
    }
    if (navigator.serviceWorker) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (rs) {
        return Promise.all(rs.map(function (r) { return r.unregister(); }));
      }));
    }
    try {
      var s = window.localStorage;
      Object.keys(s).forEach(function (k) { if (k.indexOf("draft:") === 0) { s.removeItem(k); } });
    } catch (err) { /* no storage: nothing to clear */ }
    return Promise.all(jobs).catch(function () {});
  }

  function tryUnlock() {
    var input = $("offline-pass");
    var pass = input.value;
    if (pass.length < 8) { say(t("short")); return; }
    $("offline-unlock-btn").disabled = true;
    say(t("working"));
    unlock(pass).then(function (k) {
      key = k;
      input.value = "";
      say("");
      var p = pending;
      pending = null;
      return (p ? keep(p) : Promise.resolve()).then(sync);
    }, function () { say(t("wrong")); }).then(function () { $("offline-unlock-btn").disabled = false; });
  }
  $("offline-unlock-btn").addEventListener("click", tryUnlock);
  $("offline-pass").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); tryUnlock(); }
  });
  $("offline-sync").addEventListener("click", function () {
    if (!key) { say(t("locked")); $("offline-pass").focus(); return; }
    sync();
  });
  window.addEventListener("online", sync);
  window.setInterval(sync, 30000);
  bar.hidden = false;
  render().then(function () {
    return items().then(function (all) { if (all.length && !key) { say(t("locked")); } });
  });
})();
