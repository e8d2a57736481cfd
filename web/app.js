// soundalike web UI: plain JavaScript over the JSON API (docs/api.md). No external resources.
"use strict";
const $ = (id) => document.getElementById(id);
const state = { results: [], query: null, map: null, pathFrom: null, pathTo: null };

// Each view keeps the number of its latest request; an answer to an older one (a slow search overtaken
// by a newer click) is dropped instead of overwriting the newer answer on the page.
const latest = { results: 0, search: 0, map: 0 };
const begin = (view) => ++latest[view];
const isLatest = (view, ticket) => latest[view] === ticket;

function setStatus(text, isError = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", isError);
}

async function api(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function params() {
  const p = new URLSearchParams({ k: String(Math.max(1, Math.min(100, Number($("k").value) || 10))) });
  if ($("metric").value) p.set("metric", $("metric").value);
  return p;
}

function songName(t) {
  const title = t.title || (t.path ? t.path.split("/").pop() : `track ${t.id}`);
  return t.artist ? `${t.artist} – ${title}` : title;
}

function fmt(x, digits = 1) { return x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(digits); }

function showQuery(query, spectrogramUrl) {
  state.query = query;
  $("query").hidden = false;
  $("query-title").textContent = songName(query);
  const img = $("spectrogram");
  if (spectrogramUrl) { img.src = spectrogramUrl; img.hidden = false; } else { img.hidden = true; }
  const d = $("descriptors");
  d.replaceChildren();
  const rows = [["Tempo", query.bpm ? `${fmt(query.bpm, 0)} BPM` : "—"],
                ["Energy", query.energy_db !== undefined ? `${fmt(query.energy_db)} dB` : "—"],
                ["Brightness", query.brightness_hz !== undefined ? `${fmt(query.brightness_hz, 0)} Hz` : "—"],
                ["Labels", (query.labels || []).map((l) => `${l.label} ${Math.round(l.probability * 100)}%`).join(", ") || "—"]];
  for (const [k, v] of rows) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    d.append(dt, dd);
  }
}

function showResults(results) {
  state.results = results;
  const body = $("results").querySelector("tbody");
  body.replaceChildren();
  for (const r of results) {
    const tr = document.createElement("tr");
    const cells = [String(r.rank), songName(r), fmt(r.distance, 3), r.bpm ? fmt(r.bpm, 0) : "—", r.label || "—"];
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
    const td = document.createElement("td");
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "none";
    audio.src = `/api/tracks/${r.id}/audio`;
    audio.setAttribute("aria-label", `Play ${songName(r)}`);
    td.append(audio);
    tr.append(td);
    tr.dataset.id = r.id;
    body.append(tr);
  }
  $("results").hidden = results.length === 0;
  $("no-results").hidden = results.length > 0;
  $("no-results").textContent = results.length ? "" : "No results.";
  $("export").disabled = results.length === 0;
  drawMap();
}

async function uploadFile(file) {
  if (!file) return;
  const ticket = begin("results");
  setStatus(`Analysing ${file.name}…`);
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const res = await api(`/api/similar?${params()}`, { method: "POST", body: form });
    if (!isLatest("results", ticket)) return;
    res.query.title = res.query.title || file.name;
    showQuery(res.query, res.query.spectrogram || null);
    showResults(res.results);
    setStatus(`${res.results.length} songs close to ${file.name}`);
  } catch (e) {
    if (isLatest("results", ticket)) setStatus(`Could not analyse ${file.name}: ${e.message}`, true);
  }
}

async function similarTo(id) {
  const ticket = begin("results");
  setStatus("Finding neighbours…");
  try {
    const res = await api(`/api/tracks/${id}/similar?${params()}`);
    if (!isLatest("results", ticket)) return;
    showQuery(res.query, `/api/tracks/${id}/spectrogram.png`);
    showResults(res.results);
    setStatus(`${res.results.length} songs close to ${songName(res.query)}`);
  } catch (e) {
    if (isLatest("results", ticket)) setStatus(e.message, true);
  }
}

async function search(q) {
  const ticket = begin("search");
  try {
    const res = await api(`/api/tracks?${new URLSearchParams({ q, limit: "50" })}`);
    if (!isLatest("search", ticket)) return;
    const list = $("search-results");
    list.replaceChildren();
    for (const t of res.tracks) {
      const li = document.createElement("li");
      const name = document.createElement("button");
      name.className = "name";
      name.textContent = songName(t);
      name.title = "Show songs that sound like this one";
      name.addEventListener("click", () => similarTo(t.id));
      const from = document.createElement("button");
      from.textContent = "▶"; from.title = "Start a path here"; from.setAttribute("aria-label", `Start the path at ${songName(t)}`);
      from.addEventListener("click", () => { state.pathFrom = t; updatePath(); });
      const to = document.createElement("button");
      to.textContent = "■"; to.title = "End the path here"; to.setAttribute("aria-label", `End the path at ${songName(t)}`);
      to.addEventListener("click", () => { state.pathTo = t; updatePath(); });
      li.append(name, from, to);
      list.append(li);
    }
    setStatus(`${res.total} tracks match “${q}”${res.total > res.tracks.length ? ` (first ${res.tracks.length} shown)` : ""}`);
  } catch (e) {
    if (isLatest("search", ticket)) setStatus(e.message, true);
  }
}

function updatePath() {
  $("path-from").textContent = state.pathFrom ? songName(state.pathFrom) : "—";
  $("path-to").textContent = state.pathTo ? songName(state.pathTo) : "—";
  $("make-path").disabled = !(state.pathFrom && state.pathTo);
}

async function makePath() {
  const ticket = begin("results");  // the path replaces the results table
  const p = new URLSearchParams({ from: state.pathFrom.id, to: state.pathTo.id, steps: $("steps").value });
  try {
    const res = await api(`/api/path?${p}`);
    if (!isLatest("results", ticket)) return;
    const list = $("path");
    list.replaceChildren();
    for (const t of res.tracks) { const li = document.createElement("li"); li.textContent = songName(t); list.append(li); }
    showResults(res.tracks.map((t, i) => ({ ...t, rank: i + 1 })));
    setStatus(`A path of ${res.tracks.length} songs`);
  } catch (e) {
    if (isLatest("results", ticket)) setStatus(e.message, true);
  }
}

function exportM3u() {
  const lines = ["#EXTM3U"];
  for (const r of state.results) {
    lines.push(`#EXTINF:${Math.round(r.duration || -1)},${songName(r)}`);
    lines.push(new URL(`/api/tracks/${r.id}/audio`, location.href).href);
  }
  const blob = new Blob([lines.join("\n") + "\n"], { type: "audio/x-mpegurl" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "soundalike-playlist.m3u";
  document.body.append(a);
  a.click();
  a.remove();
}

const PALETTE = ["#f5a24b", "#4bb3f5", "#7bd66b", "#d66bd0", "#f5e04b", "#6be0d6", "#f57a4b", "#a58cf5", "#c0c0c0", "#4bf59a"];

async function showMap() {
  $("map-wrap").hidden = false;
  const ticket = begin("map");
  try {
    const map = await api("/api/map");
    if (!isLatest("map", ticket)) return;
    const labels = [...new Set(map.points.map((p) => p.label || "?"))];
    map.colour = Object.fromEntries(labels.map((l, i) => [l, PALETTE[i % PALETTE.length]]));
    project(map);
    state.map = map;
    const legend = $("legend");
    legend.replaceChildren();
    for (const l of labels) {
      const li = document.createElement("li");
      const dot = document.createElement("span");
      dot.style.background = map.colour[l];
      li.append(dot, l);
      legend.append(li);
    }
    drawMap();
    setStatus(`Map of ${map.points.length} songs`);
  } catch (e) {
    if (isLatest("map", ticket)) setStatus(e.message, true);
  }
}

// Canvas coordinates of every point, computed once per map. The bounds come from a loop: spreading
// 200,000 coordinates into Math.min(...) passes them as arguments and overflows the stack.
function project(map) {
  const c = $("map"), pts = map.points, n = pts.length, pad = 20;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const p of pts) {
    if (p.x < x0) x0 = p.x;
    if (p.x > x1) x1 = p.x;
    if (p.y < y0) y0 = p.y;
    if (p.y > y1) y1 = p.y;
  }
  const sx = (c.width - 2 * pad) / (x1 - x0 || 1), sy = (c.height - 2 * pad) / (y1 - y0 || 1);
  map.px = new Float32Array(n);
  map.py = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    map.px[i] = pad + (pts[i].x - x0) * sx;
    map.py[i] = c.height - pad - (pts[i].y - y0) * sy;
  }
}

function drawMap() {
  if (!state.map || $("map-wrap").hidden) return;
  const map = state.map, pts = map.points;
  const c = $("map"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const near = new Set(state.results.map((r) => r.id));
  const queryId = state.query && state.query.id;
  const dim = near.size > 0;
  // One path per colour for the ordinary points (a fill per point is far too slow at 200,000 points);
  // the query and its neighbours, a handful, are drawn on top one by one.
  const byColour = new Map();
  const marked = [];
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i];
    if (near.has(p.id) || p.id === queryId) { marked.push(i); continue; }
    const colour = map.colour[p.label || "?"];
    let path = byColour.get(colour);
    if (!path) { path = new Path2D(); byColour.set(colour, path); }
    path.moveTo(map.px[i] + 3.5, map.py[i]);
    path.arc(map.px[i], map.py[i], 3.5, 0, 2 * Math.PI);
  }
  g.globalAlpha = dim ? 0.35 : 1;
  for (const [colour, path] of byColour) { g.fillStyle = colour; g.fill(path); }
  g.globalAlpha = 1;
  for (const i of marked) {
    const p = pts[i];
    g.fillStyle = map.colour[p.label || "?"];
    g.beginPath(); g.arc(map.px[i], map.py[i], near.has(p.id) ? 6 : 3.5, 0, 2 * Math.PI); g.fill();
    g.strokeStyle = p.id === queryId ? "#ffffff" : "#ff5d73"; g.lineWidth = 2; g.stroke();
  }
}

// The point under the mouse (within 12 px), or null.
function pointAt(ev) {
  if (!state.map) return null;
  const map = state.map, c = $("map"), r = c.getBoundingClientRect();
  const mx = ((ev.clientX - r.left) / r.width) * c.width, my = ((ev.clientY - r.top) / r.height) * c.height;
  let best = -1, bestD = 12 * 12;
  for (let i = 0; i < map.points.length; i++) {
    const d = (map.px[i] - mx) ** 2 + (map.py[i] - my) ** 2;
    if (d < bestD) { best = i; bestD = d; }
  }
  return best < 0 ? null : map.points[best];
}

function mapHover(ev) {
  const best = pointAt(ev);
  const tip = $("tooltip");
  if (!best) { tip.hidden = true; return; }
  const r = $("map").getBoundingClientRect();
  tip.hidden = false;
  tip.textContent = `${songName(best)} (${best.label || "?"})`;
  tip.style.left = `${ev.clientX - r.left + 12}px`;
  tip.style.top = `${ev.clientY - r.top + 12}px`;
}

// A click on a point chooses that song as the query, as choosing it from the search list does.
function mapClick(ev) {
  mapHover(ev);
  const p = pointAt(ev);
  if (p) similarTo(p.id);
}

function init() {
  const drop = $("drop");
  $("file").addEventListener("change", (e) => uploadFile(e.target.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); uploadFile(e.dataTransfer.files[0]); });
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); search($("search").value.trim()); });
  $("export").addEventListener("click", exportM3u);
  $("show-map").addEventListener("click", showMap);
  $("make-path").addEventListener("click", makePath);
  $("map").addEventListener("mousemove", mapHover);
  $("map").addEventListener("click", mapClick);
  api("/api/health").then((h) => setStatus(`Library: ${h.tracks} songs`)).catch((e) => setStatus(e.message, true));
}

document.addEventListener("DOMContentLoaded", init);
