// The page at /: draw a digit (or upload an image, or type JSON) and see the model's probabilities.
// Plain browser JavaScript, no libraries: it calls GET /v1/model once, then POST /v1/predict.
"use strict";

const $ = (id) => document.getElementById(id);
let info = null;          // GET /v1/model
let busy = false;         // a prediction is in flight
let again = false;        // the drawing changed while it was

async function start() {
  try {
    const response = await fetch("/v1/model");
    info = await response.json();
  } catch (e) {
    setStatus("could not read /v1/model: " + e, true);
    return;
  }
  $("model-name").textContent = info.name;
  const shape = "(" + info.input_shape.map((d) => (d === null ? "None" : d)).join(", ") + ")";
  const out = "(" + info.output_shape.map((d) => (d === null ? "None" : d)).join(", ") + ")";
  $("model-meta").textContent = `inputs ${shape} → outputs ${out} · ${info.parameters.toLocaleString("en")} parameters · ${info.layers.length} layers`;
  makeBars();
  const [, height, width, channels] = info.input_shape;
  if (info.input_kind === "image" && channels === 1) startDrawing(width, height);
  else if (info.input_kind === "image") startUploadOnly(width, height, channels);
  else if (info.input_kind === "text") startText();
  else startJson();
}

function labelOf(c) {
  return info.labels ? info.labels[c] : String(c);
}

function makeBars() {
  const bars = $("bars");
  bars.textContent = "";
  for (let c = 0; c < info.classes; c++) {
    const li = document.createElement("li");
    li.dataset.class = c;
    li.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="value">–</span>';
    li.querySelector(".name").textContent = labelOf(c);
    bars.appendChild(li);
  }
  bars.classList.toggle("wide", info.labels !== null && info.labels.some((l) => l.length > 4));
  if (info.classes === 0) $("raw").hidden = false;
}

function setStatus(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

// ---- drawing -------------------------------------------------------------------------------

function startDrawing(width, height) {
  $("draw-card").hidden = false;
  const pad = $("pad");
  const ctx = pad.getContext("2d", { willReadFrequently: true });
  clear();
  let last = null;
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (pad.width / r.width), y: (e.clientY - r.top) * (pad.height / r.height) };
  };
  pad.addEventListener("pointerdown", (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    stroke(last, last);
  });
  pad.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = at(e);
    stroke(last, p);
    last = p;
  });
  const end = () => { last = null; };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  $("clear").addEventListener("click", clear);
  $("upload").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    drawUpload(ctx, pad, bitmap);
    changed();
  });

  function stroke(a, b) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = pad.width / 12;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);
    ctx.stroke();
    changed();
  }

  function clear() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, pad.width, pad.height);
    const preview = $("preview").getContext("2d");
    preview.fillStyle = "#000";
    preview.fillRect(0, 0, 28, 28);
    resetBars();
  }

  function changed() {
    again = true;
    if (!busy) send();
  }

  async function send() {
    again = false;
    const input = mnistInput(ctx, pad.width, pad.height, width, height);
    if (!input) { resetBars(); return; }
    showPreview(input, width, height);
    await predict({ inputs: [Array.from(input)] });
    if (again) send();
  }
}

// An uploaded picture fills the pad, dark ink on light paper turned into MNIST's light on dark.
function drawUpload(ctx, pad, bitmap) {
  const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
  const w = bitmap.width * scale, h = bitmap.height * scale;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
  const image = ctx.getImageData(0, 0, pad.width, pad.height);
  const d = image.data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += (d[i] * 299 + d[i + 1] * 587 + d[i + 2] * 114) / 1000;
  const invert = sum / (d.length / 4) > 127;
  for (let i = 0; i < d.length; i += 4) {
    let g = (d[i] * 299 + d[i + 1] * 587 + d[i + 2] * 114) / 1000;
    if (invert) g = 255 - g;
    d[i] = d[i + 1] = d[i + 2] = g;
    d[i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// MNIST's preprocessing (LeCun et al.): the digit's bounding box scaled, aspect kept, to fit 20×20
// (area-averaged, so strokes stay anti-aliased as in MNIST), then placed in the 28×28 frame so that
// its centre of mass is at the centre. Returns null for an empty pad.
function mnistInput(ctx, srcW, srcH, width, height) {
  const src = ctx.getImageData(0, 0, srcW, srcH).data;
  let x0 = srcW, y0 = srcH, x1 = -1, y1 = -1;
  for (let y = 0; y < srcH; y++)
    for (let x = 0; x < srcW; x++)
      if (src[(y * srcW + x) * 4] > 25) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const box = Math.round(Math.min(width, height) * 20 / 28);
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = box / Math.max(bw, bh);
  const w = Math.max(1, Math.round(bw * scale)), h = Math.max(1, Math.round(bh * scale));
  // Area average: each small pixel is the mean of the source pixels it covers (sampled on a fine grid).
  const small = new Float32Array(w * h);
  const steps = Math.max(2, Math.ceil(1 / scale));
  for (let ty = 0; ty < h; ty++)
    for (let tx = 0; tx < w; tx++) {
      let sum = 0;
      for (let sy = 0; sy < steps; sy++)
        for (let sx = 0; sx < steps; sx++) {
          const x = Math.min(srcW - 1, Math.floor(x0 + (tx + (sx + 0.5) / steps) / scale));
          const y = Math.min(srcH - 1, Math.floor(y0 + (ty + (sy + 0.5) / steps) / scale));
          sum += src[(y * srcW + x) * 4];
        }
      small[ty * w + tx] = sum / (steps * steps * 255);
    }
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x];
      mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  const ox = Math.round(width / 2 - mx / mass), oy = Math.round(height / 2 - my / mass);
  const input = new Float32Array(width * height);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const X = x + ox, Y = y + oy;
      if (X >= 0 && X < width && Y >= 0 && Y < height) input[Y * width + X] = Math.round(small[y * w + x] * 1000) / 1000;
    }
  return input;
}

function showPreview(input, width, height) {
  const preview = $("preview");
  preview.width = width;
  preview.height = height;
  const ctx = preview.getContext("2d");
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < input.length; i++) {
    const g = Math.round(input[i] * 255);
    image.data[i * 4] = image.data[i * 4 + 1] = image.data[i * 4 + 2] = g;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// ---- other models ----------------------------------------------------------------------------

function startUploadOnly(width, height, channels) {
  $("upload-card").hidden = false;
  $("upload-only").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file, { resizeWidth: width, resizeHeight: height, resizeQuality: "high" });
    const canvas = $("upload-preview");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    const d = ctx.getImageData(0, 0, width, height).data;
    const input = [];
    for (let i = 0; i < width * height; i++)
      for (let c = 0; c < channels; c++) input.push(Math.round(d[i * 4 + c] / 255 * 1000) / 1000);
    await predict({ inputs: [input] });
  });
}

function startJson() {
  $("json-card").hidden = false;
  if (info.input_kind === "tensors") {
    // Several inputs: the box holds the whole body, one zero sample per named input.
    const inputs = {};
    for (const input of info.inputs) inputs[input.name] = [new Array(input.shape.slice(1).reduce((a, b) => a * b, 1)).fill(0)];
    $("json-shape").textContent = info.inputs.map((i) => `${i.name} ${JSON.stringify(i.shape.slice(1))}`).join(", ");
    $("json-input").value = JSON.stringify({ inputs });
    $("json-send").addEventListener("click", async () => {
      let body;
      try {
        body = JSON.parse($("json-input").value);
      } catch (e) {
        setStatus("not JSON: " + e.message, true);
        return;
      }
      await predict(body);
    });
    return;
  }
  const shape = info.input_shape.slice(1);
  $("json-shape").textContent = JSON.stringify(shape);
  const size = shape.reduce((a, b) => a * b, 1);
  $("json-input").value = JSON.stringify(new Array(size).fill(0));
  $("json-send").addEventListener("click", async () => {
    let input;
    try {
      input = JSON.parse($("json-input").value);
    } catch (e) {
      setStatus("not JSON: " + e.message, true);
      return;
    }
    await predict({ inputs: [input] });
  });
}

// ---- text ----------------------------------------------------------------------------------------

// A text classifier: the bars follow the typing (one request at a time, the latest text last).
// A character model: "Continue" asks for a sampled continuation of the text.
function startText() {
  $("text-card").hidden = false;
  const box = $("text-input");
  if (info.text.task === "generate") {
    const units = { wordpiece: "WordPiece subwords", character: "characters", whitespace: "words" };
    const tokenizer = info.text.tokenizer;
    const unit = tokenizer ? (units[tokenizer] || "BPE tokens (" + tokenizer.replace(/^bpe:/, "") + ")") : units[info.text.split] || "tokens";
    $("text-title").textContent = `Type the start of a text; the model continues it (${unit})`;
    $("generate-options").hidden = false;
    $("max-length").max = info.text.sequence_length;
    $("max-length").value = info.text.sequence_length;
    $("text-send").textContent = "Continue";
    $("result-card").querySelector("h2").textContent = "Continuation";
    $("top").hidden = true;
    $("bars").hidden = true;
    $("raw").hidden = true;
    $("continuation").hidden = false;
    $("text-send").addEventListener("click", generate);
    return;
  }
  $("text-title").textContent = "Type a text to classify";
  const send = async () => {
    if (busy) { again = true; return; }
    do {
      again = false;
      await predict({ text: box.value });
    } while (again);
  };
  box.addEventListener("input", send);
  $("text-send").addEventListener("click", send);
}

async function generate() {
  const body = { text: $("text-input").value, temperature: Number($("temperature").value) };
  const maxLength = Number($("max-length").value);
  if (maxLength > 0) body.max_length = maxLength;
  const started = performance.now();
  try {
    const response = await fetch("/v1/predict", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const result = await response.json();
    if (!response.ok) {
      setStatus(`${response.status}: ${result.error}`, true);
      $("continuation-text").textContent = "";
      return;
    }
    const c = result.continuations[0];
    $("continuation-prefix").textContent = c.text;
    $("continuation-text").textContent = c.continuation;
    document.body.dataset.continuation = c.continuation;
    setStatus(`answered in ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    setStatus("request failed: " + e, true);
  }
}

// ---- prediction ------------------------------------------------------------------------------

async function predict(body) {
  busy = true;
  const started = performance.now();
  try {
    const response = await fetch("/v1/predict", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const result = await response.json();
    if (!response.ok) {
      setStatus(`${response.status}: ${result.error}`, true);
      return;
    }
    if (info.input_kind === "tensors") showResult(result.outputs, null);
    else showResult(result.outputs[0], result.predictions ? result.predictions[0] : null);
    setStatus(`answered in ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    setStatus("request failed: " + e, true);
  } finally {
    busy = false;
  }
}

function probabilities(outputs) {
  if (info.classes === 2 && outputs.length === 1) return [1 - outputs[0], outputs[0]]; // one sigmoid output
  if (info.outputs_are_probabilities) return outputs;
  const max = Math.max(...outputs);
  const e = outputs.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function showResult(outputs, prediction) {
  if (!prediction) {
    $("raw").textContent = JSON.stringify(outputs);
    $("top-label").textContent = "";
    return;
  }
  const p = probabilities(outputs);
  $("top-label").textContent = prediction.label;
  $("top-probability").textContent = (prediction.probability * 100).toFixed(1) + " %";
  document.body.dataset.predicted = String(prediction.class);
  for (const li of $("bars").children) {
    const c = Number(li.dataset.class);
    li.querySelector(".fill").style.width = (p[c] * 100).toFixed(1) + "%";
    li.querySelector(".value").textContent = (p[c] * 100).toFixed(1) + " %";
    li.classList.toggle("best", c === prediction.class);
  }
}

function resetBars() {
  $("top-label").textContent = "–";
  $("top-probability").textContent = "";
  delete document.body.dataset.predicted;
  for (const li of $("bars").children) {
    li.querySelector(".fill").style.width = "0";
    li.querySelector(".value").textContent = "–";
    li.classList.remove("best");
  }
}

start();
