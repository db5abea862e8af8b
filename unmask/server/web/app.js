// unmask web pages: plain JavaScript over the JSON API, no build step.
// Everything a file supplies (names, tags, findings) is inserted as text, never as HTML.
"use strict";

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const main = () => document.getElementById("main");
const pct = (p) => `${(100 * p).toFixed(0)} %`;
const when = (t) => (t ? new Date(t * 1000).toLocaleString() : "");

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail ? String(body.detail) : `${response.status} ${response.statusText}`);
  return body;
}

function token() { return localStorage.getItem("unmask-token") || ""; }

function authHeaders() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

// POST a form with upload progress (fetch has none); resolves with the JSON body or rejects with the detail.
function upload(url, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new Error(body.detail ? String(body.detail) : `${xhr.status} ${xhr.statusText}`));
    };
    xhr.onerror = () => reject(new Error("the server could not be reached"));
    xhr.send(form);
  });
}

function stageWords(stage) {
  if (!stage) return "";
  if (stage.startsWith("signal:")) return `signal: ${stage.slice(7)}`;
  return { queued: "waiting in the queue", starting: "starting", decode: "decoding", faces: "finding and tracking faces",
    fusion: "fusing the signals", done: "done", failed: "failed" }[stage] || stage;
}

function progressBox() {
  const fill = el("span");
  const bar = el("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0", id: "progress" }, fill);
  const label = el("div", { class: "muted", id: "stage" });
  const box = el("div", {}, bar, label);
  box.set = (fraction, text) => {
    const value = Math.round(100 * Math.max(0, Math.min(1, fraction)));
    fill.style.width = `${value}%`;
    bar.setAttribute("aria-valuenow", String(value));
    label.textContent = `${value} % · ${text}`;
  };
  return box;
}

// Follow a scan through server-sent events; resolves with the final job (done or failed).
function follow(id, box) {
  return new Promise((resolve) => {
    const source = new EventSource(`/api/scans/${id}/events`);
    const show = (job) => box.set(job.progress, stageWords(job.stage));
    source.addEventListener("progress", (e) => show(JSON.parse(e.data)));
    for (const end of ["done", "failed"]) {
      source.addEventListener(end, (e) => { const job = JSON.parse(e.data); show(job); source.close(); resolve(job); });
    }
    source.onerror = async () => {  // the stream dropped (a server restart): poll until it ends
      source.close();
      for (;;) {
        try {
          const job = await api(`/api/scans/${id}`);
          show(job);
          if (job.status === "done" || job.status === "failed") return resolve(job);
        } catch (_) { /* server still down */ }
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
  });
}

// ---- scan page -------------------------------------------------------------------------------------------
async function scanPage() {
  const config = await api("/api/config").catch(() => ({}));
  const input = el("input", { type: "file", id: "file", accept: "image/*,video/*,audio/*", hidden: true });
  const drop = el("div", { class: "drop", id: "drop", tabindex: "0" },
    el("p", {}, el("b", { text: "Drop an image, video or audio file here" })),
    el("p", { class: "muted", text: "or click to pick one" }),
    el("p", { class: "muted", text: config.max_upload_bytes ? `up to ${(config.max_upload_bytes / 1048576).toFixed(0)} MB` : "" }));
  const noFaces = el("input", { type: "checkbox", id: "no-faces" });
  const tokenInput = el("input", { type: "password", id: "token", placeholder: "access token", value: token() });
  tokenInput.addEventListener("change", () => localStorage.setItem("unmask-token", tokenInput.value));
  const status = el("div", { id: "status" });
  main().replaceChildren(
    el("h1", { text: "Is it real?" }),
    el("p", { text: "unmask checks a picture, a video or a voice recording for signs of manipulation, and shows the evidence: " +
      "forensic signals, learned detectors, Content Credentials, watermark and the transparency ledger." }),
    drop, input,
    el("div", { class: "row", style: "margin-top:10px" }, el("label", {}, noFaces, " skip the face stage (faster)"),
      config.scans_need_token ? tokenInput : null),
    status);
  drop.addEventListener("click", () => input.click());
  drop.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && input.click());
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) start(e.dataTransfer.files[0]); });
  input.addEventListener("change", () => input.files[0] && start(input.files[0]));

  async function start(file) {
    const box = progressBox();
    status.replaceChildren(el("div", { class: "card" }, el("h2", { text: file.name }), box));
    box.set(0, "uploading");
    const form = new FormData();
    form.append("file", file, file.name);
    if (noFaces.checked) form.append("no_faces", "1");
    let job;
    try {
      job = await upload("/api/scans", form, (f) => box.set(0, `uploading ${pct(f)}`));
    } catch (error) {
      status.firstChild.append(el("p", { class: "error", id: "error", text: error.message }));
      return;
    }
    const end = await follow(job.id, box);
    if (end.status === "done") {
      box.set(1, "done: opening the report");
      setTimeout(() => window.location.assign(`/scans/${job.id}`), 500);  // let the full bar be seen
    }
    else status.firstChild.append(el("p", { class: "error", id: "error", text: end.error || "the scan failed" }));
  }
}

// ---- report page -----------------------------------------------------------------------------------------
async function reportPage() {
  const id = window.location.pathname.split("/").pop();
  let job;
  try { job = await api(`/api/scans/${id}`); } catch (error) {
    main().replaceChildren(el("p", { class: "error", text: error.message }));
    return;
  }
  if (job.status !== "done" && job.status !== "failed") {
    const box = progressBox();
    main().replaceChildren(el("h1", { text: job.filename }), el("div", { class: "card" }, box));
    job = await follow(id, box);
  }
  if (job.status === "failed") {
    main().replaceChildren(el("h1", { text: job.filename }), el("p", { class: "error", id: "error", text: job.error }));
    return;
  }
  const report = await api(`/api/scans/${id}/report.json`);
  renderReport(id, report);
}

function renderReport(id, report) {
  const input = report.input;
  const facts = [input.kind, input.format, `${input.size_bytes.toLocaleString()} bytes`,
    input.width ? `${input.width}×${input.height}` : null, input.duration ? `${input.duration.toFixed(1)} s` : null].filter(Boolean);
  const provenanceNames = new Set(["c2pa", "provenance"]);
  main().replaceChildren(
    el("h1", { text: input.name }),
    el("div", { class: "muted" }, facts.join(" · "), " · SHA-256 ", el("code", { text: input.sha256 })),
    verdictCard(report.verdict),
    provenancePanel(report),
    facesCard(report.faces),
    el("h2", { style: "margin-top:24px", text: "Evidence, signal by signal" }),
    el("div", { class: "grid", id: "evidence" }, report.signals.filter((s) => !provenanceNames.has(s.name)).map(signalCard)),
    el("div", { class: "card row", id: "downloads" },
      el("a", { class: "button", href: `/api/scans/${id}/report.json?download=true`, text: "Download JSON report" }),
      el("a", { class: "button", href: `/api/scans/${id}/report.html?download=true`, text: "Download HTML report" }),
      el("button", { onclick: () => navigator.clipboard && navigator.clipboard.writeText(window.location.href), text: "Copy link to this report" }),
      el("span", { class: "muted", text: `scanned ${report.created_at} · unmask ${report.unmask_version} · report schema ${report.schema_version}` })));
}

function verdictCard(v) {
  const [low, high] = v.band;
  const meter = el("div", { class: "meter" },
    el("div", { class: "band", style: `left:${100 * low}%; width:${100 * (high - low)}%`, title: "unsure band" }),
    el("div", { class: "mark", style: `left:calc(${100 * v.probability}% - 2px)` }));
  const contributions = (v.contributions || []).filter((c) => Math.abs(c.log_odds) > 0.005)
    .sort((a, b) => Math.abs(b.log_odds) - Math.abs(a.log_odds));
  return el("section", { class: "card", id: "verdict" },
    el("div", { class: `verdict ${v.label.replace(/ /g, "-")}`, id: "verdict-label", text: v.label }),
    el("div", { text: `probability of manipulation ${v.probability.toFixed(2)}` }),
    meter,
    el("div", { class: "muted", text: "0 = surely real · 1 = surely manipulated" }),
    el("p", { id: "band-explained", text: `unmask only calls a file "likely real" below ${low} and "likely manipulated" above ${high}. ` +
      `In between (the dashed band) the evidence does not lean far enough either way, and it says "unsure" rather than guess.` }),
    el("p", { text: v.explanation }),
    el("div", { class: "muted", text: `method: ${v.method}` }),
    contributions.length ? el("table", {}, el("tr", {}, el("th", { text: "signal" }), el("th", { text: "push on the verdict (log-odds; + towards manipulated)" })),
      contributions.map((c) => el("tr", {}, el("td", {}, el("a", { href: `#signal-${c.signal}`, text: c.signal })), el("td", { text: (c.log_odds > 0 ? "+" : "") + c.log_odds.toFixed(2) })))) : null);
}

function findingsList(findings, summary) {
  findings = (findings || []).filter((f) => f.text !== summary);
  if (!findings.length) return null;
  return el("ul", { class: "findings" }, findings.map((f) => el("li", { class: `finding ${f.direction}` }, f.time !== null && f.time !== undefined ? `[${f.time.toFixed(2)} s] ` : "", f.text)));
}

function provenancePanel(report) {
  const byName = Object.fromEntries(report.signals.map((s) => [s.name, s]));
  const c2pa = byName.c2pa, prov = byName.provenance;
  const parts = [el("h2", { text: "Provenance" })];
  parts.push(el("h3", { text: "Content Credentials (C2PA)" }));
  parts.push(c2pa ? el("div", {}, el("p", { text: c2pa.summary }), findingsList(c2pa.findings, c2pa.summary)) : el("p", { class: "muted", text: "not checked for this file" }));
  parts.push(el("h3", { text: "Watermark and ledger" }));
  if (!prov || prov.status === "not_applicable") {
    parts.push(el("p", { class: "muted", text: prov ? prov.summary : "not checked for this file (unmask's watermark is read from pictures and video)" }));
  } else {
    const details = prov.details || {};
    const mark = details.watermark || {};
    const ledger = details.ledger || {};
    parts.push(el("p", {}, el("span", { class: `pill ${mark.found ? "good" : "none"}`, text: mark.found ? `watermark ${mark.content_id}` : "no watermark" }),
      el("span", { class: `pill ${(ledger.matches || []).length ? "good" : "none"}`, text: (ledger.matches || []).length ? "registered in the ledger" : "not in the ledger" })));
    parts.push(findingsList(prov.findings, prov.summary));
    const matches = ledger.matches || [];
    if (matches.length) {
      parts.push(el("ul", { id: "ledger-matches" }, matches.map((m) => el("li", {},
        el("a", { href: `/ledger#entry-${m.index}`, class: "ledger-link", text: `ledger entry ${m.index}` }),
        ` (${m.kind} match${m.distance !== null && m.distance !== undefined ? `, PDQ distance ${m.distance}` : ""}; inclusion proof ${m.proof_verified ? "verified" : "FAILED"})`))));
    }
  }
  parts.push(el("p", { class: "muted" }, "Provenance says who registered or signed a file, not whether its content is true. ",
    el("a", { href: "/verify", text: "Verify a signed file" }), " · ", el("a", { href: "/ledger", id: "ledger-browser-link", text: "browse the ledger" })));
  return el("section", { class: "card", id: "provenance" }, parts);
}

function facesCard(faces) {
  if (!faces) return null;
  return el("section", { class: "card", id: "faces" },
    el("h2", { text: "Faces" }),
    el("p", { text: `${faces.count} face track(s) in ${faces.frames_searched} frame(s) · ${faces.model}` }),
    el("div", { class: "faces" }, faces.tracks.filter((t) => t.thumbnail && t.thumbnail.data).map((t) =>
      el("img", { src: `data:${t.thumbnail.media_type};base64,${t.thumbnail.data}`, alt: `face ${t.track_id}`,
        title: `face ${t.track_id}: ${t.frames} frame(s), ${Math.round(t.median_size_px)} px${t.usable ? "" : " (too small to analyse)"}` }))));
}

function signalCard(s) {
  const score = s.score !== null && s.score !== undefined ? `score ${s.score.toFixed(2)}, confidence ${s.confidence.toFixed(2)}` : "";
  return el("section", { class: "card signal", id: `signal-${s.name}` },
    el("h3", {}, s.name, " ", el("span", { class: `status ${s.status}`, text: s.status.replace("_", " ") }), " ", el("span", { class: "muted", text: score })),
    el("p", {}, el("b", { text: s.summary })),
    findingsList(s.findings, s.summary),
    (s.artifacts || []).filter((a) => a.data).map((a) => el("figure", {},
      el("img", { class: "evidence", src: `data:${a.media_type};base64,${a.data}`, alt: a.caption || a.name }),
      el("figcaption", { class: "muted", text: a.caption }))),
    s.details && Object.keys(s.details).length ? el("details", {}, el("summary", { class: "muted", text: "details" }), el("pre", { text: JSON.stringify(s.details, null, 2) })) : null,
    el("div", { class: "muted", text: `version ${s.version} · ${Math.round(s.elapsed_ms)} ms` }));
}

// ---- history page ----------------------------------------------------------------------------------------
async function historyPage() {
  const jobs = await api("/api/scans?limit=200");
  const rows = jobs.map((j) => el("tr", {},
    el("td", { text: when(j.created_at) }),
    el("td", {}, el("a", { href: `/scans/${j.id}`, text: j.filename })),
    el("td", { text: j.kind || "" }),
    el("td", {}, el("span", { class: `status ${j.status}`, text: j.status === "running" ? `${stageWords(j.stage)} ${pct(j.progress)}` : j.status })),
    el("td", { class: j.verdict ? j.verdict.replace(/ /g, "-") : "", text: j.verdict || (j.error || "") }),
    el("td", { text: j.probability !== null && j.probability !== undefined ? j.probability.toFixed(2) : "" })));
  main().replaceChildren(el("h1", { text: "Past scans" }),
    jobs.length ? el("table", { class: "card", id: "history" },
      el("tr", {}, ["submitted", "file", "kind", "status", "verdict", "P(manipulated)"].map((h) => el("th", { text: h }))), rows)
      : el("p", { text: "No scans yet." }));
}

// ---- verify page -----------------------------------------------------------------------------------------
async function verifyPage() {
  const input = el("input", { type: "file", id: "verify-file" });
  const out = el("div", { id: "verify-result" });
  main().replaceChildren(el("h1", { text: "Verify a signed file" }),
    el("p", { text: "Checks a file's Content Credentials (C2PA), unmask's invisible watermark, and whether it or an original it was copied from is registered in this server's ledger, with the inclusion proof checked." }),
    el("div", { class: "card" }, input), out);
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    out.replaceChildren(el("p", { class: "muted", text: `checking ${file.name}…` }));
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const r = await upload("/api/verify", form, () => {});
      const c2paClass = r.c2pa.state === "trusted" ? "good" : ["tampered", "invalid"].includes(r.c2pa.state) ? "bad" : "none";
      out.replaceChildren(el("div", { class: "card" },
        el("p", {}, el("span", { class: `pill ${c2paClass}`, id: "c2pa-state", text: `Content Credentials: ${r.c2pa.words}` }),
          el("span", { class: `pill ${r.watermark.found ? "good" : "none"}`, text: r.watermark.found ? `watermark ${r.watermark.content_id}` : "no watermark" }),
          el("span", { class: `pill ${r.ledger.matches.length ? "good" : "none"}`, text: r.ledger.matches.length ? "registered in the ledger" : "not in the ledger" })),
        el("pre", { text: r.lines.join("\n") }),
        r.ledger.matches.length ? el("ul", {}, r.ledger.matches.map((m) => el("li", {}, el("a", { href: `/ledger#entry-${m.index}`, text: `ledger entry ${m.index}` }), ` · ${m.summary}`))) : null));
    } catch (error) {
      out.replaceChildren(el("p", { class: "error", text: error.message }));
    }
  });
}

// ---- ledger page -----------------------------------------------------------------------------------------
const fromHex = (h) => new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function nodeHash(left, right) {
  const data = new Uint8Array(65);
  data[0] = 1; data.set(left, 1); data.set(right, 33);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

// RFC 9162 section 2.1.3.2: does the audit path lead from the leaf to the root?
async function verifyInclusion(index, size, leafHex, pathHex, rootHex) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = fromHex(leafHex);
  for (const p of pathHex.map(fromHex)) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      r = await nodeHash(p, r);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && toHex(r) === rootHex;
}

async function ledgerPage() {
  const cp = await api("/api/ledger/checkpoint");
  const first = Math.max(0, cp.size - 25);
  const entries = await Promise.all(Array.from({ length: cp.size - first }, (_, i) => api(`/api/ledger/entries/${cp.size - 1 - i}`)));
  const detail = el("div", { id: "entry-detail" });
  const lookup = el("input", { type: "number", min: "0", id: "entry-index", placeholder: "entry index" });
  main().replaceChildren(el("h1", { text: "Transparency ledger" }),
    el("section", { class: "card", id: "checkpoint" }, el("h2", { text: "Latest signed checkpoint" }),
      el("p", {}, `${cp.size} entries · root `, el("code", { text: cp.root })),
      el("pre", { text: cp.note }),
      el("p", { class: "muted" }, "verifier key ", el("code", { text: cp.verifier_key }),
        ". Check the signature and the whole log yourself: ", el("code", { text: `unmask ledger verify ${window.location.origin} --key '${cp.verifier_key}'` }))),
    el("div", { class: "card row" }, lookup, el("button", { onclick: () => showEntry(Number(lookup.value)), text: "Show entry" })),
    detail,
    el("section", { class: "card" }, el("h2", { text: cp.size ? `Latest ${entries.length} entries` : "No entries yet" }),
      entries.length ? el("table", { id: "entries" }, el("tr", {}, ["#", "registered", "registrant", "type", "SHA-256"].map((h) => el("th", { text: h }))),
        entries.map((e) => el("tr", {}, el("td", {}, el("a", { href: `#entry-${e.index}`, text: String(e.index) })), el("td", { text: e.registered_at }),
          el("td", { text: e.registrant }), el("td", { text: e.media_type }), el("td", {}, el("code", { text: e.sha256.slice(0, 16) + "…" }))))) : null));
  const fromHash = () => { const m = window.location.hash.match(/^#entry-(\d+)$/); if (m) showEntry(Number(m[1])); };
  window.addEventListener("hashchange", fromHash);
  fromHash();

  async function showEntry(index) {
    try {
      const e = await api(`/api/ledger/entries/${index}`);
      const result = el("p", { id: "proof-result" });
      const check = async () => {
        const now = await api("/api/ledger/checkpoint");
        const proof = await api(`/api/ledger/proof/inclusion?index=${index}&size=${now.size}`);
        if (!crypto.subtle) { result.textContent = "this browser cannot hash here (needs https or localhost)"; return; }
        const ok = proof.leaf_hash === e.leaf_hash && await verifyInclusion(index, now.size, proof.leaf_hash, proof.hashes, now.root);
        result.className = ok ? "pill good" : "pill bad";
        result.textContent = ok ? `inclusion proof verified in this browser against the root of size ${now.size}` : "inclusion proof FAILED";
      };
      detail.replaceChildren(el("section", { class: "card", id: `entry` }, el("h2", { text: `Entry ${e.index}` }),
        el("table", {}, Object.entries(e).map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", {}, el("code", { text: v === null ? "—" : String(v) }))))),
        el("p", {}, el("button", { id: "check-proof", onclick: check, text: "Check its inclusion proof" })), result));
      detail.scrollIntoView();
    } catch (error) {
      detail.replaceChildren(el("p", { class: "error", text: error.message }));
    }
  }
}

const PAGES = { scan: scanPage, report: reportPage, history: historyPage, verify: verifyPage, ledger: ledgerPage };
document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  for (const a of document.querySelectorAll("header a[data-nav]")) if (a.dataset.nav === page) a.classList.add("here");
  PAGES[page]().catch((error) => main().append(el("p", { class: "error", text: error.message })));
});
