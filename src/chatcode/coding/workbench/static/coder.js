// The coder page: keys and clicks become decisions, each shown only after the server
// committed it. Decisions are sent one after another, each with the whole set of codes of
// its dimension, so sending one again changes nothing.
(function () {
  "use strict";
  var root = document.getElementById("coder");
  if (!root) { return; }
  var csrf = document.querySelector("meta[name=csrf]").getAttribute("content");
  var pass = root.dataset.pass, post = root.dataset.post;
  var index = Number(root.dataset.index), n = Number(root.dataset.n);
  var dims = Array.prototype.slice.call(document.querySelectorAll("fieldset.dim"));
  var saved = document.getElementById("saved");
  var memo = document.getElementById("memo");
  var memoSaved = memo.value;
  var focus = 0;
  var queue = Promise.resolve();
  var intended = {};   // dimension -> array of code ids, after every decision sent so far

  dims.forEach(function (f) {
    intended[f.dataset.dim] = Array.prototype.slice.call(f.querySelectorAll("input"))
      .filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  });

  function say(text, error) {
    saved.textContent = text;
    saved.className = error ? "error" : "";
  }

  function send(path, body) {
    var p = queue.then(function () {
      return fetch("/api/pass/" + pass + "/" + path, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok || !j.ok) { throw new Error(j.error || ("HTTP " + r.status)); }
          return j;
        });
      });
    });
    queue = p.catch(function () {});
    say("saving…");
    return p.then(function (j) { say("saved"); return j; },
                  function (e) { say("NOT saved: " + e.message + " (reload the page)", true); throw e; });
  }

  function show(codes, nDone) {
    dims.forEach(function (f) {
      var dim = f.dataset.dim, chosen = codes[dim];
      f.querySelectorAll("input").forEach(function (i) {
        i.checked = !!chosen && chosen.indexOf(i.value) >= 0;
      });
      document.getElementById("decided-" + dim).textContent =
        chosen === undefined ? "" : (chosen.length ? "decided" : "no code");
    });
    if (nDone !== undefined) {
      document.getElementById("progress").value = nDone;
      document.getElementById("n-done").textContent = nDone;
    }
  }

  function setFocus(k) {
    dims[focus].classList.remove("focused");
    focus = (k + dims.length) % dims.length;
    dims[focus].classList.add("focused");
    dims[focus].scrollIntoView({block: "nearest"});
  }

  function decide(dim, codes) {
    intended[dim] = codes;
    send("codes", {post: post, dimension: dim, codes: codes}).then(function (j) {
      show(j.codes, j.n_done);
      document.getElementById("post-state").textContent = "not confirmed yet";
    });
  }

  function toggle(f, code) {
    var dim = f.dataset.dim, now = intended[dim] || [];
    var has = now.indexOf(code) >= 0;
    if (f.dataset.multiple === "1") {
      decide(dim, has ? now.filter(function (c) { return c !== code; }) : now.concat([code]));
    } else {
      decide(dim, has && now.length === 1 ? [] : [code]);
    }
  }

  function go(i) {
    queue.then(function () { window.location.assign("/code/" + pass + "?i=" + i); });
  }

  function saveMemo() {
    if (memo.value === memoSaved) { return queue; }
    var text = memo.value;
    return send("memo", {post: post, memo: text}).then(function () { memoSaved = text; });
  }

  function confirmPost() {
    send("done", {post: post}).then(function (j) {
      show(j.codes, j.n_done);
      if (j.next === null) { say("all " + j.n + " posts are coded; everything is saved"); }
      else { go(j.next); }
    });
  }

  function undo() {
    send("undo", {}).then(function (j) {
      if (j.undone === null) { say("nothing to undo"); } else { go(j.index); }
    });
  }

  function jump() {
    fetch("/api/pass/" + pass + "/state", {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.position === null) { say("every post is coded"); } else { go(j.position); }
      });
  }

  function toggleResponses() {
    var box = document.getElementById("responses"), btn = document.getElementById("toggle-responses");
    box.hidden = !box.hidden;
    btn.setAttribute("aria-expanded", String(!box.hidden));
    btn.textContent = (box.hidden ? "Show" : "Hide") + " responses (r)";
  }

  dims.forEach(function (f, k) {
    f.querySelectorAll("input").forEach(function (input) {
      input.addEventListener("click", function (e) {
        e.preventDefault();   // the box changes when the server has saved the decision
        setFocus(k);
        toggle(f, input.value);
      });
    });
    f.querySelector("button.none").addEventListener("click", function () {
      setFocus(k);
      decide(f.dataset.dim, []);
    });
  });
  memo.addEventListener("blur", saveMemo);
  document.getElementById("toggle-responses").addEventListener("click", toggleResponses);
  document.getElementById("prev").addEventListener("click", function () { if (index > 0) { go(index - 1); } });
  document.getElementById("skip").addEventListener("click", function () { if (index + 1 < n) { go(index + 1); } });
  document.getElementById("jump").addEventListener("click", jump);
  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("confirm").addEventListener("click", confirmPost);

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t === memo) {
      if (e.key === "Escape" || (e.key === "Enter" && e.ctrlKey)) {
        e.preventDefault();
        saveMemo();
        memo.blur();
      }
      return;
    }
    if (e.altKey || e.metaKey) { return; }
    var key = e.key;
    if (e.ctrlKey) {
      if (key === "z") { e.preventDefault(); undo(); }
      return;
    }
    var f = dims[focus];
    var input = key.length === 1 ? f.querySelector("input[data-key='" + key.toLowerCase() + "']") : null;
    if (input && key === key.toLowerCase()) { e.preventDefault(); toggle(f, input.value); return; }
    switch (key) {
      case "0": decide(f.dataset.dim, []); break;
      case "Tab": setFocus(focus + (e.shiftKey ? -1 : 1)); break;
      case "Enter": case "n": confirmPost(); break;
      case "ArrowRight": if (index + 1 < n) { go(index + 1); } else { say("this is the last post"); } break;
      case "ArrowLeft": case "b": case "p":
        if (index > 0) { go(index - 1); } else { say("this is the first post"); } break;
      case "j": jump(); break;
      case "u": undo(); break;
      case "m": case "M": memo.focus(); break;
      case "r": case "R": toggleResponses(); break;
      case "?":
        f.querySelectorAll("details").forEach(function (d) { d.open = !d.open; }); break;
      default: return;
    }
    e.preventDefault();
  });
  root.dataset.ready = "1";   // keys work from here on (the browser tests wait for it)
})();
