/* The desk's interactive map (issue 12). Leaflet with no tile layer: the base map is the
 * Natural Earth outlines shipped with the desk (static/map/outline.json, admin1.json), so no
 * request ever leaves the desk. Each place is drawn as what is known of it: a circle whose
 * radius is its precision in metres (a city-level place is an area, not a pin), with a dot
 * sized by its number of reports. The page itself stays readable without this script (a
 * server-drawn SVG and a sorted list); with it, the SVG is replaced by the Leaflet map.
 * Every string shown comes from the page (translated there) and is set as text, never HTML. */
(function () {
  "use strict";
  var box = document.getElementById("leaflet-map");
  var dataNode = document.getElementById("map-data");
  if (!box || !dataNode || typeof L === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent || "{}");
  var points = data.points || [];
  var labels = data.labels || {};

  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.responseType = "json";
    xhr.onload = function () { if (xhr.status === 200 && xhr.response) { done(xhr.response); } };
    xhr.send();
  }

  box.hidden = false;
  var fallback = document.getElementById("svg-map");
  if (fallback) { fallback.hidden = true; }
  var map = L.map(box, { zoomSnap: 1, attributionControl: true, preferCanvas: false, zoomControl: false });
  // Leaflet names its buttons in English ("Zoom in", "Close popup"): in the page's language here.
  L.control.zoom({ zoomInTitle: labels.zoom_in || "Zoom in", zoomOutTitle: labels.zoom_out || "Zoom out" }).addTo(map);
  map.on("popupopen", function (e) {
    var close = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close && labels.close) { close.setAttribute("aria-label", labels.close); close.title = labels.close; }
  });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(labels.attribution || "Natural Earth");
  var bounds = points.length
    ? L.latLngBounds(points.map(function (p) { return [p.lat_e6 / 1e6, p.lon_e6 / 1e6]; }))
    : L.latLngBounds([[44, 22], [53, 41]]);
  map.fitBounds(bounds.pad(0.5), { maxZoom: 8 });
  function mark() {
    box.setAttribute("data-zoom", String(map.getZoom()));
    box.setAttribute("data-ready", "1");
  }
  map.on("zoomend moveend", mark);

  var outlines = map.createPane("outlines");
  outlines.style.zIndex = "350";
  // The drawn shapes are nameless SVG to a screen reader; the page's table says each place.
  outlines.setAttribute("aria-hidden", "true");
  map.getPane("overlayPane").setAttribute("aria-hidden", "true");
  getJSON("/static/map/outline.json", function (o) {
    // Each ring is its own polygon: the outline file keeps rings, not holes.
    var features = [];
    (o.countries || []).forEach(function (c) {
      c.rings.forEach(function (r) {
        features.push({ type: "Feature", properties: { name: c.name },
                        geometry: { type: "Polygon", coordinates: [r] } });
      });
    });
    L.geoJSON({ type: "FeatureCollection", features: features }, {
      pane: "outlines", interactive: false,
      style: { className: "tysha-country", color: "#99aaaa", weight: 1, fillColor: "#fbfaf7", fillOpacity: 1 }
    }).addTo(map);
    getJSON("/static/map/admin1.json", function (a) {
      L.geoJSON(a, {
        pane: "outlines", interactive: false,
        style: { className: "tysha-admin1", color: "#b7c2c2", weight: 0.6, fill: false, dashArray: "2 2" }
      }).addTo(map);
      box.setAttribute("data-outlines", "1");
      mark();
    });
  });

  function popup(p) {
    var div = document.createElement("div");
    var a = document.createElement("a");
    a.href = (p.kind === "act" ? "/incident/" : "/report/") + encodeURIComponent(p.id);
    var bdi = document.createElement("bdi");  // user text: isolated, never markup
    bdi.textContent = p.title || p.id;
    a.appendChild(bdi);
    div.appendChild(a);
    var line = document.createElement("div");
    line.textContent = (p.category_label || p.category) + " · " + (labels.reports || "reports") + ": " +
      p.reports + (p.kind === "act" && p.flagged ? " (" + String(labels.flagged || "{n} flagged").replace("{n}", p.flagged) + ")" : "") +
      " · ± " + p.precision_m + " m";
    div.appendChild(line);
    // A flagged report (or an act with flagged support) says so here too, as the list does.
    (p.flags || []).forEach(function (f) {
      var badge = document.createElement("span");
      badge.className = "badge bad flag";
      badge.title = f.reason || "";
      badge.textContent = f.label || f.code;
      div.appendChild(badge);
      div.appendChild(document.createTextNode(" "));
    });
    return div;
  }

  points.forEach(function (p) {
    var at = [p.lat_e6 / 1e6, p.lon_e6 / 1e6];
    var colour = p.kind === "act" ? "#aa3333" : "#224466";
    L.circle(at, {
      radius: p.precision_m, className: "tysha-area tysha-" + p.kind, color: colour, weight: 1,
      dashArray: "4 3", fillColor: colour, fillOpacity: 0.12
    }).bindPopup(popup(p)).addTo(map);
    // An act is a ring, a report a filled dot: told apart by shape, not only by colour.
    L.circleMarker(at, {
      radius: 3 + 2 * Math.sqrt(Math.max(1, p.reports)), className: "tysha-dot tysha-" + p.kind,
      color: colour, weight: p.kind === "act" ? 3 : 1, fillColor: colour,
      fillOpacity: p.kind === "act" ? 0.2 : 0.8
    }).bindPopup(popup(p)).addTo(map);
  });
  mark();
})();
