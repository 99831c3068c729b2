// The upload page: pick a picture, frame its square, preview it, save it. The token comes in
// the URL fragment (never sent to a server), leaves the address bar at once, and travels only
// as `Authorization: Bearer`. No library, no request to another origin.
"use strict";

const $ = (id) => document.getElementById(id);
const status = $("status"), alert = $("alert");
const embedOrigins = (document.querySelector('meta[name="avatars-embed-origins"]')?.content || "")
  .split(" ").filter(Boolean);

function say(text) { alert.textContent = ""; status.textContent = text; }
function refuse(text) { status.textContent = ""; alert.textContent = text; }

// --- the token ---------------------------------------------------------------------------
const fragment = new URLSearchParams(location.hash.slice(1));
const token = fragment.get("token") || "";
history.replaceState(null, "", location.pathname + location.search);
function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
  } catch { return null; }
}
const payload = claims(token);
const hash = payload && typeof payload.hash === "string" && /^[0-9a-fA-F]{32}([0-9a-fA-F]{8}|[0-9a-fA-F]{32})?$/.test(payload.hash)
  ? payload.hash.toLowerCase() : null;

// --- limits ------------------------------------------------------------------------------
let limits = { maxUploadBytes: Infinity, maxPixels: Infinity, types: [] };
const limitsLoaded = fetch("/upload/limits").then((r) => r.json()).then((l) => { limits = l; }).catch(() => {});
const megabytes = (bytes) => `${(bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 1)} MB`;

// --- the picture and its square ----------------------------------------------------------
const picture = $("picture"), frame = $("frame"), stage = $("stage");
let file = null, box = null, natural = null, displayable = false;

function largestCentredSquare(width, height) {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}
function clamp(next) {
  const size = Math.max(1, Math.min(Math.round(next.size), natural.width, natural.height));
  const x = Math.max(0, Math.min(Math.round(next.x), natural.width - size));
  const y = Math.max(0, Math.min(Math.round(next.y), natural.height - size));
  return { x, y, size };
}
function scale() { return picture.clientWidth / natural.width; }
function draw() {
  if (!box) return;
  const s = scale();
  frame.style.left = `${box.x * s}px`;
  frame.style.top = `${box.y * s}px`;
  frame.style.width = frame.style.height = `${box.size * s}px`;
  frame.setAttribute("aria-valuenow", String(box.size));
  frame.setAttribute("aria-valuemin", "1");
  frame.setAttribute("aria-valuemax", String(Math.min(natural.width, natural.height)));
  frame.setAttribute("aria-valuetext", `square of ${box.size} pixels at ${box.x}, ${box.y}`);
  frame.dataset.box = `${box.x},${box.y},${box.size},${box.size}`;
  for (const canvas of document.querySelectorAll("canvas.preview")) {
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.drawImage(picture, box.x, box.y, box.size, box.size, 0, 0, canvas.width, canvas.height);
  }
}
function set(next) { box = clamp(next); draw(); }

async function choose(chosen) {
  if (!chosen) return;
  await limitsLoaded;
  file = null;
  $("save").disabled = true;
  if (limits.types.length && chosen.type && !limits.types.includes(chosen.type)) {
    return refuse(`This kind of file (${chosen.type}) cannot be used. Choose a JPEG, PNG, WebP, GIF or AVIF picture.`);
  }
  if (chosen.size > limits.maxUploadBytes) {
    return refuse(`This picture is too large (${megabytes(chosen.size)}): the limit is ${megabytes(limits.maxUploadBytes)}.`);
  }
  file = chosen;
  const url = URL.createObjectURL(chosen);
  picture.onload = () => {
    natural = { width: picture.naturalWidth, height: picture.naturalHeight };
    if (natural.width * natural.height > limits.maxPixels) {
      file = null;
      return refuse(`This picture has too many pixels (${natural.width} x ${natural.height}): the limit is ${limits.maxPixels}.`);
    }
    displayable = true;
    stage.hidden = false;
    set(largestCentredSquare(natural.width, natural.height));
    say("Move and resize the square, then choose Save.");
    $("save").disabled = false;
  };
  picture.onerror = () => {
    // HEIC and other formats a browser cannot show: the server chooses the square.
    displayable = false;
    stage.hidden = true;
    box = null;
    say("This browser cannot show this picture; the server will choose its square. Choose Save to send it.");
    $("save").disabled = false;
  };
  picture.src = url;
}

$("file").addEventListener("change", (event) => choose(event.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  choose(event.dataTransfer.files[0]);
});

// Pointer (mouse, pen, touch): drag the square to move it, its corner handle to resize it.
let drag = null;
frame.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  frame.focus();
  frame.setPointerCapture(event.pointerId);
  drag = { resize: event.target.id === "handle", start: { x: event.clientX, y: event.clientY }, from: { ...box } };
});
frame.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const s = scale(), dx = (event.clientX - drag.start.x) / s, dy = (event.clientY - drag.start.y) / s;
  if (drag.resize) set({ x: drag.from.x, y: drag.from.y, size: drag.from.size + Math.max(dx, dy) });
  else set({ x: drag.from.x + dx, y: drag.from.y + dy, size: drag.from.size });
});
for (const end of ["pointerup", "pointercancel"]) frame.addEventListener(end, () => { drag = null; });

// Keyboard: arrows move, + and - resize; Shift moves ten times as far.
frame.addEventListener("keydown", (event) => {
  if (!box) return;
  const unit = Math.max(1, Math.round(Math.min(natural.width, natural.height) / 100));
  // Shift makes moves larger; not sizes, since "+" itself needs Shift on many keyboards.
  const step = unit * (event.shiftKey && event.key.startsWith("Arrow") ? 10 : 1);
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (moves[event.key]) {
    set({ x: box.x + moves[event.key][0], y: box.y + moves[event.key][1], size: box.size });
  } else if (event.key === "+" || event.key === "=") {
    set({ x: box.x - step / 2, y: box.y - step / 2, size: box.size + step });
  } else if (event.key === "-" || event.key === "_") {
    set({ x: box.x + step / 2, y: box.y + step / 2, size: box.size - step });
  } else {
    return;
  }
  event.preventDefault();
});
addEventListener("resize", draw);

// --- save and remove ---------------------------------------------------------------------
function explain(code, body) {
  switch (code) {
    case 401: return "This upload link has expired or is not valid. Ask for a new link.";
    case 403: return "This upload link is for another avatar.";
    case 413: return `This picture is too large: the limit is ${megabytes(limits.maxUploadBytes)}.`;
    case 415: return "This kind of file cannot be used. Choose a JPEG, PNG, WebP, GIF or AVIF picture.";
    case 422: return `This picture could not be read${body && body.message ? `: ${body.message}` : ""}.`;
    case 503: return "The server is busy. Try again in a moment.";
    case 400: return `The server could not use this picture's square${body && body.message ? ` (${body.message})` : ""}. Move or resize it and try again.`;
    default: return `Something went wrong (status ${code}). Try again.`;
  }
}
function request(method, query, body, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, `/${hash}${query}`);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    if (onProgress) xhr.upload.addEventListener("progress", onProgress);
    xhr.onload = () => {
      let parsed = null;
      try { parsed = JSON.parse(xhr.responseText); } catch { parsed = null; }
      resolve({ status: xhr.status, body: parsed });
    };
    xhr.onerror = () => resolve({ status: 0, body: null });
    xhr.send(body);
  });
}
$("save").addEventListener("click", async () => {
  if (!file) return;
  const crop = displayable && box ? `${box.x},${box.y},${box.size},${box.size}` : "auto";
  const progress = $("progress");
  progress.hidden = false;
  progress.value = 0;
  say("Sending the picture...");
  $("save").disabled = true;
  const answer = await request("PUT", `?crop=${crop}`, file, (event) => {
    if (event.lengthComputable) progress.value = event.loaded / event.total;
  });
  progress.hidden = true;
  $("save").disabled = false;
  if (answer.status !== 200 && answer.status !== 201) return refuse(explain(answer.status, answer.body));
  // Absolute, so a page embedding this one can use it on its own origin.
  const url = new URL(answer.body.url, location.origin).href;
  const shown = $("saved");
  shown.src = `${url}${url.includes("?") ? "&" : "?"}s=128`;
  shown.hidden = false;
  say("Saved. This is your new avatar.");
  const target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) {
    for (const origin of embedOrigins) {
      target.postMessage({ type: "avatars:uploaded", hash, version: answer.body.version, url }, origin);
    }
  }
});
const dialog = $("confirm");
$("remove").addEventListener("click", () => dialog.showModal());
$("cancel").addEventListener("click", () => dialog.close());
$("confirm-remove").addEventListener("click", async () => {
  dialog.close();
  const answer = await request("DELETE", "", null);
  if (answer.status === 204) {
    $("saved").hidden = true;
    say("Your avatar was removed.");
  } else if (answer.status === 404) {
    refuse("There is no avatar to remove.");
  } else {
    refuse(explain(answer.status, answer.body));
  }
});

if (!hash) {
  refuse("This page needs an upload link: open it from the link you were given.");
  for (const control of document.querySelectorAll("button, input")) control.disabled = true;
}
