// The report page's thumbnails (templates/report.html): each is made on request in a jail and
// may take seconds, or fail (a decompression bomb, a broken or hostile file: the desk answers
// 404). Instead of an empty space or a broken image the handler reads "being made" while it
// comes, and the page's own (translated) note when none could be made. Without this script the
// page still works; a reload then names the refused ones (the desk remembers them).
(function () {
  "use strict";
  function note(img, cls, show) {
    var el = img.parentNode.querySelector("." + cls);
    if (el) {
      el.hidden = !show;
    }
  }
  function settle(img) {
    note(img, "preview-wait", false);
    if (img.complete && img.naturalWidth === 0) {
      img.hidden = true;
      note(img, "preview-failed", true);
    }
  }
  function watch(img) {
    if (img.complete) {
      settle(img);
      return;
    }
    note(img, "preview-wait", true);
    img.addEventListener("load", function () { settle(img); });
    img.addEventListener("error", function () { settle(img); });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("img.preview"), watch);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
