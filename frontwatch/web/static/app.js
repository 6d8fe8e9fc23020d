// Frontwatch's map page: a time slider over a source's snapshot dates, gains and losses
// between two dates, the line of contact, a place search with its history, the history of a
// clicked point and a claim-check form. Everything it loads comes from this server.
"use strict";

const COLORS = {
  sea: "#d9e6f0", neighbour: "#ebe9e4", land: "#fdfcfa", oblast: "#c9c5bd", occupied: "#e9967a",
  contested: "#9a958c", front: "#1b1b1b", ua_gain: "#1f5fa8", ru_gain: "#c0182b", not_drawn: "#9a958c",
};
const state = { source: null, dates: [], index: 0, timer: null, seq: 0, placeMarker: null, pointMarker: null };
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const km2 = (v) => `${Math.round(v).toLocaleString("en-GB")} km²`;

const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, attributionControl: true }).setView([48.6, 33.5], 6);
map.attributionControl.setPrefix("Leaflet");
const panes = ["ground", "control", "change", "lines", "labels"];
panes.forEach((name, i) => { map.createPane(name).style.zIndex = 300 + 10 * i; });
const layers = { occupied: L.layerGroup().addTo(map), change: L.layerGroup().addTo(map) };
L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
const legend = L.control({ position: "topright" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  const row = (color, text, line) => `<div><i style="background:${line ? "none" : color};border-bottom:${line ? `2px solid ${color}` : "none"}"></i>${text}</div>`;
  div.innerHTML = row(COLORS.occupied, "held by Russia") + row(COLORS.contested, "grey zone") + row(COLORS.ua_gain, "gained by Ukraine") +
    row(COLORS.ru_gain, "gained by Russia") + row(COLORS.front, "line of contact", true) +
    row(COLORS.not_drawn, "not drawn by this source");
  return div;
};
legend.addTo(map);
const zoomClass = () => map.getContainer().classList.toggle("zoom-low", map.getZoom() < 7.5);
map.on("zoomend", zoomClass);
zoomClass();

async function api(path, options) {
  const r = await fetch(path, options);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : `HTTP ${r.status}`);
  return body;
}

function status(text, isError) {
  $("status").textContent = text || "";
  $("status").className = isError ? "small error" : "small";
}

function addDays(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function loadBasemap() {
  const data = await api("/api/basemap");
  const style = (f) => {
    const k = f.properties.kind;
    if (k === "neighbour") return { color: "#b9b5ad", weight: 0.6, fillColor: COLORS.neighbour, fillOpacity: 1 };
    if (k === "land") return { color: "#6f6a62", weight: 1, fillColor: COLORS.land, fillOpacity: 1 };
    return { color: COLORS.oblast, weight: 0.7 };
  };
  L.geoJSON(data, {
    pane: "ground", style, filter: (f) => f.properties.kind !== "town",
  }).addTo(map);
  L.geoJSON(data, {
    pane: "labels",
    filter: (f) => f.properties.kind === "town",
    pointToLayer: (f, latlng) => {
      const big = f.properties.population >= 200000;
      const m = L.circleMarker(latlng, { pane: "labels", radius: big ? 3 : 2, color: "#fff", weight: 1, fillColor: "#333", fillOpacity: 1 });
      m.bindTooltip(f.properties.name, { permanent: true, direction: "right", offset: [4, 0],
                                         className: big ? "town-label" : "town-label small-town" });
      return m;
    },
  }).addTo(map);
  map.attributionControl.addAttribution(esc(data.attribution));
}

async function loadConfig() {
  const cfg = await api("/api/config");
  if (cfg.tiles_url) {
    L.tileLayer(cfg.tiles_url, { attribution: esc(cfg.tiles_attribution), pane: "ground", opacity: 0.6 }).addTo(map);
  }
  return cfg;
}

async function loadSources() {
  const sources = await api("/api/sources");
  const sel = $("source");
  sel.innerHTML = sources.map((s) => `<option value="${esc(s.source)}">${esc(s.source)} (${esc(s.first_date)} → ${esc(s.last_date)})</option>`).join("");
  $("credit").textContent = "Control maps: " + sources.map((s) => `${s.source}: ${s.attribution}`).join("; ") +
    ". Borders: © OpenStreetMap contributors, geoBoundaries, Natural Earth. Places: GeoNames. Areas geodesic on WGS84.";
  return sources;
}

async function selectSource(name) {
  state.source = name;
  const snaps = await api(`/api/snapshots?source=${encodeURIComponent(name)}`);
  state.dates = snaps.snapshots.map((s) => s.date);
  const slider = $("date-slider");
  slider.max = String(state.dates.length - 1);
  slider.value = String(state.dates.length - 1);
  $("check-published").value = state.dates[state.dates.length - 1];
  $("compare-date").value = state.dates[0];
  $("compare-date").min = state.dates[0];
  $("compare-date").max = state.dates[state.dates.length - 1];
  await showDate(state.dates.length - 1, true);
}

function scheduleDate(i) {
  $("date-label").textContent = state.dates[i];
  clearTimeout(state.timer);
  state.timer = setTimeout(() => showDate(i), 120);
}

async function showDate(i, fit) {
  const seq = ++state.seq;
  const day = state.dates[i];
  state.index = i;
  $("date-label").textContent = day;
  status(`loading the map of ${day}…`);
  try {
    const src = encodeURIComponent(state.source);
    const from = compareFrom(i);
    const [fc, change] = await Promise.all([
      api(`/api/map?source=${src}&on=${day}`),
      from ? api(`/api/change/geojson?source=${src}&from=${from}&to=${day}&simplify=0.001`).catch((e) => ({ error: e.message })) : null,
    ]);
    if (seq !== state.seq) return; // a later move of the slider won
    drawMap(fc, fit);
    drawChange(change);
    const p = fc.properties;
    $("area-label").textContent = `Held by Russia on ${p.snapshot_date}: ${km2(p.occupied_km2)} (${p.share_of_ukraine_pct.toFixed(2)} % of Ukraine)`;
    $("coverage-label").textContent = `${state.source}: ${p.coverage}. Map of ${p.snapshot_date} (asked ${p.asked_date}, lag ${p.lag_days} d).`;
    document.body.dataset.drawnDate = p.snapshot_date;
    status("");
  } catch (e) {
    if (seq === state.seq) status(e.message, true);
  }
}

function compareFrom(i) {
  // the start of the gains and losses shown: none, the map before, N days before, or a date
  const v = $("compare").value;
  $("compare-date").hidden = v !== "date";
  if (v === "date") return $("compare-date").value || null;
  const days = Number(v);
  if (!days) return null;
  return days === 1 ? state.dates[Math.max(0, i - 1)] : addDays(state.dates[i], -days);
}

function drawMap(fc, fit) {
  layers.occupied.clearLayers();
  const g = L.geoJSON(fc, {
    style: (f) => {
      const k = f.properties.kind;
      if (k === "occupied") return { pane: "control", stroke: false, fillColor: COLORS.occupied, fillOpacity: 0.6 };
      if (k === "contested") return { pane: "control", stroke: false, fillColor: COLORS.contested, fillOpacity: 0.5 };
      if (k === "front") return { pane: "lines", color: COLORS.front, weight: 1.6 };
      return { pane: "control", color: COLORS.not_drawn, weight: 1, dashArray: "4 3", fillColor: COLORS.not_drawn, fillOpacity: 0.45 };
    },
    onEachFeature: (f, layer) => { if (f.properties.label) layer.bindTooltip(f.properties.label); },
  });
  layers.occupied.addLayer(g);
  if (fit) map.fitBounds(g.getBounds(), { padding: [20, 20] });
}

function drawChange(change) {
  layers.change.clearLayers();
  if (!change) { $("change-label").textContent = ""; return; }
  if (change.error) { $("change-label").textContent = `No change: ${change.error}`; return; }
  const p = change.properties;
  layers.change.addLayer(L.geoJSON(change, {
    style: (f) => ({ pane: "change", color: COLORS[f.properties.kind], weight: 2.5, fillColor: COLORS[f.properties.kind], fillOpacity: 0.85 }),
    onEachFeature: (f, layer) => layer.bindTooltip(`${f.properties.kind === "ua_gain" ? "gained by Ukraine" : "gained by Russia"}: ${km2(f.properties.area_km2)}`),
  }));
  $("change-label").innerHTML = `Maps ${esc(p.from_snapshot)} → ${esc(p.to_snapshot)}: <span class="ua">Ukraine +${esc(km2(p.ua_gain_km2))}</span>, ` +
    `<span class="ru">Russia +${esc(km2(p.ru_gain_km2))}</span>` + (p.notes.length ? `<div class="small">${p.notes.map(esc).join("; ")}</div>` : "");
}

function historyTable(transitions) {
  return `<table><tr><th>from the map of</th><th>held by</th></tr>${transitions.map((t) =>
    `<tr><td>${esc(t.snapshot_date)}</td><td class="side-${esc(t.side)}">${esc(t.side)}</td></tr>`).join("")}</table>`;
}

async function searchPlace(ev) {
  ev.preventDefault();
  const name = $("place-name").value.trim();
  if (!name) return;
  const out = $("place-result");
  out.textContent = "…";
  try {
    const found = await api(`/api/search?name=${encodeURIComponent(name)}&limit=1`);
    if (!found.length) throw new Error(`no place named ${name}`);
    const pl = found[0];
    const src = encodeURIComponent(state.source);
    const day = state.dates[state.index];
    const [h, d] = await Promise.all([
      api(`/api/place?name=${encodeURIComponent(pl.name)}&oblast=${encodeURIComponent(pl.oblast)}&source=${src}&history=true`),
      api(`/api/distance?name=${encodeURIComponent(pl.name)}&oblast=${encodeURIComponent(pl.oblast)}&source=${src}&on=${day}`),
    ]);
    out.innerHTML = `<p><b>${esc(h.place.name)}</b> (${esc(h.place.oblast)}${h.place.population ? `, pop. ${h.place.population.toLocaleString("en-GB")}` : ""})` +
      `<br>On ${esc(d.snapshot_date)}: held by <span class="side-${esc(d.side)}">${esc(d.side)}</span>` +
      (d.distance_km !== null ? `, ${esc(d.distance_km)} km from ground held by ${esc(d.to_side)}` : "") + `</p>` +
      `<p class="small">Changes of side on ${esc(h.source)}, ${esc(h.first_snapshot)} → ${esc(h.last_snapshot)}:</p>` + historyTable(h.transitions);
    if (state.placeMarker) state.placeMarker.remove();
    state.placeMarker = L.marker([h.place.lat, h.place.lon]).addTo(map).bindTooltip(h.place.name);
    map.setView([h.place.lat, h.place.lon], Math.max(map.getZoom(), 8));
  } catch (e) {
    out.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

async function showPoint(ev) {
  const { lat, lng } = ev.latlng;
  const out = $("point-result");
  out.textContent = "…";
  try {
    const h = await api(`/api/point?source=${encodeURIComponent(state.source)}&lon=${lng.toFixed(5)}&lat=${lat.toFixed(5)}`);
    out.innerHTML = `<p>${lat.toFixed(4)}°N ${lng.toFixed(4)}°E${h.point.oblast ? ` (${esc(h.point.oblast)})` : ""}</p>` + historyTable(h.transitions);
    if (state.pointMarker) state.pointMarker.remove();
    state.pointMarker = L.circleMarker([lat, lng], { radius: 5, color: "#000", weight: 2, fillOpacity: 0 }).addTo(map);
  } catch (e) {
    out.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

async function checkClaims(ev) {
  ev.preventDefault();
  const out = $("check-result");
  out.textContent = "checking…";
  try {
    const res = await api("/api/check", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: $("check-text").value, published: $("check-published").value, sources: [state.source] }),
    });
    out.innerHTML = res.claims.length ? res.claims.map((c) => `<div class="claim"><div>“${esc(c.text)}”</div>` +
      c.verdicts.map((v) => `<div><span class="verdict ${esc(v.verdict.replace(" ", "-"))}">${esc(v.verdict)}</span> ` +
        `<span class="small">${esc(v.source)}</span> ${esc(v.sentence || v.reason || "")}</div>`).join("") + "</div>").join("")
      : "<p>No checkable claim found.</p>";
  } catch (e) {
    out.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

async function main() {
  try {
    await loadConfig();
    await loadBasemap();
    const sources = await loadSources();
    if (!sources.length) { status("The store holds no source yet.", true); return; }
    $("source").addEventListener("change", (e) => selectSource(e.target.value));
    $("date-slider").addEventListener("input", (e) => scheduleDate(Number(e.target.value)));
    $("compare").addEventListener("change", () => showDate(state.index));
    $("compare-date").addEventListener("change", () => showDate(state.index));
    $("place-form").addEventListener("submit", searchPlace);
    $("check-form").addEventListener("submit", checkClaims);
    map.on("click", showPoint);
    await selectSource(sources[0].source);
    document.body.dataset.ready = "true";
  } catch (e) {
    status(e.message, true);
  }
}

main();
