// A handler typing keeps the session in use: the desk ends a session after 30 minutes without
// a request (app.py SESSION_IDLE), and a long reply written without any would be lost at
// submit. While the handler types, this posts to /keepalive at most every five minutes, with
// the page's CSRF token; a page left alone sends nothing, so it still ends on time.
(function () {
  "use strict";
  var EVERY_MS = 5 * 60 * 1000;
  var last = 0;
  function token() {
    var field = document.querySelector("input[name=csrf]");
    return field ? field.value : "";
  }
  document.addEventListener("input", function () {
    var now = Date.now();
    var csrf = token();
    if (!csrf || now - last < EVERY_MS) {
      return;
    }
    last = now;
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    fetch("/keepalive", { method: "POST", body: body, credentials: "same-origin" })
      .catch(function () { /* the next keystroke tries again after EVERY_MS */ });
  }, true);
}());
