// The page at /: draw a digit (or upload an image, type a text or JSON, or fill one field per input of a
// model with several) and see the model's probabilities.
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
  const tuple = (s) => "(" + s.map((d) => (d === null ? "None" : d)).join(", ") + ")";
  const named = (list) => list.map((t) => `${t.name} ${tuple(t.shape)}`).join(", ");
  const several = info.input_kind === "tensors"; // several inputs or outputs: each by name
  const shape = several ? named(info.inputs) : tuple(info.input_shape);
  const out = several ? named(info.outputs) : tuple(info.output_shape);
  $("model-meta").textContent = `inputs ${shape} → outputs ${out} · ${info.parameters.toLocaleString("en")} parameters · ${info.layers.length} layers`;
  makeBars();
  const [, height, width, channels] = info.input_shape;
  if (info.input_kind === "image" && channels === 1) startDrawing(width, height);
  else if (info.input_kind === "image") startUploadOnly(width, height, channels);
  else if (info.input_kind === "text") startText();
  else if (info.input_kind === "tensors") startFields();
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

// ---- models with several inputs: one field per input -------------------------------------------

// Each input named in /v1/model gets a field by its kind: an image (draw on a pad, or drop or upload a
// picture), a text, or numbers (JSON, nested or flat, or numbers separated by commas or spaces). Any
// change sends every field as one multipart/form-data request, one part per input named after it
// (image/png, text/plain or application/json), which is what POST /v1/predict takes for such a model.
const fields = [];

function startFields() {
  $("fields-card").hidden = false;
  $("result-card").querySelector("h2").textContent = "Outputs";
  $("top").hidden = true;
  $("bars").hidden = true;
  $("raw").hidden = true;
  $("outputs").hidden = false;
  for (const input of info.inputs) {
    const field = input.kind === "image" ? imageField(input) : input.kind === "text" ? textField(input) : numbersField(input);
    $("fields").appendChild(field.element);
    fields.push(field);
  }
  $("fields-send").addEventListener("click", fieldsChanged);
}

function fieldBox(input, what) {
  const element = document.createElement("fieldset");
  element.className = "field";
  element.dataset.input = input.name;
  const legend = document.createElement("legend");
  legend.innerHTML = '<strong></strong> <span></span>';
  legend.querySelector("strong").textContent = input.name;
  legend.querySelector("span").textContent = what;
  element.appendChild(legend);
  return element;
}

// An image input: a pad to draw on (white on black) that also takes a dropped or uploaded picture.
// What is sent is the picture at the model's size (a hidden canvas), as PNG.
function imageField(input) {
  const [, height, width, channels] = input.shape;
  const element = fieldBox(input, `image ${width}×${height}, ${channels === 1 ? "gray" : "RGB"}: draw, drop or upload`);
  const side = 196;
  const pad = document.createElement("canvas");
  pad.className = "field-pad";
  pad.width = width >= height ? side : Math.max(1, Math.round(side * width / height));
  pad.height = height >= width ? side : Math.max(1, Math.round(side * height / width));
  pad.setAttribute("aria-label", `drawing pad for input ${input.name}`);
  const small = document.createElement("canvas");
  small.width = width;
  small.height = height;
  const ctx = pad.getContext("2d", { willReadFrequently: true });
  const sctx = small.getContext("2d", { willReadFrequently: true });
  const row = document.createElement("div");
  row.className = "row";
  row.innerHTML = '<button type="button">Clear</button><label class="upload">Upload an image <input type="file" accept="image/*"></label>';
  element.append(pad, row);
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, pad.width, pad.height);
    sctx.fillStyle = "#000";
    sctx.fillRect(0, 0, width, height);
  };
  clear();

  // Strokes go on the pad; the model's picture is the pad scaled down.
  let last = null;
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (pad.width / r.width), y: (e.clientY - r.top) * (pad.height / r.height) };
  };
  const stroke = (a, b) => {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = Math.max(pad.width, pad.height) / 12;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);
    ctx.stroke();
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = "high";
    sctx.drawImage(pad, 0, 0, width, height);
    fieldsChanged();
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

  // A picture is scaled to the model's size (its pixels kept as they are when it already has that size), then shown enlarged.
  const load = async (file) => {
    if (!file) return;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
    } catch (e) {
      setStatus(`input ${input.name}: ${file.name} is not an image the browser can read`, true);
      return;
    }
    clear();
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = "high";
    sctx.drawImage(bitmap, 0, 0, width, height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, pad.width, pad.height);
    fieldsChanged();
  };
  row.querySelector("button").addEventListener("click", () => { clear(); fieldsChanged(); });
  row.querySelector("input").addEventListener("change", (e) => load(e.target.files[0]));
  pad.addEventListener("dragover", (e) => { e.preventDefault(); pad.classList.add("over"); });
  pad.addEventListener("dragleave", () => pad.classList.remove("over"));
  pad.addEventListener("drop", (e) => {
    e.preventDefault();
    pad.classList.remove("over");
    load(e.dataTransfer.files[0]);
  });
  return {
    element,
    part: async (form) => {
      const png = await new Promise((resolve) => small.toBlob(resolve, "image/png"));
      form.append(input.name, png, input.name + ".png");
    },
  };
}

function textField(input) {
  const element = fieldBox(input, `text (${input.shape[1]} tokens)`);
  const box = document.createElement("textarea");
  box.rows = 3;
  box.spellcheck = false;
  box.setAttribute("aria-label", `text for input ${input.name}`);
  element.appendChild(box);
  box.addEventListener("input", fieldsChanged);
  return {
    element,
    part: async (form) => form.append(input.name, new Blob([box.value], { type: "text/plain" }), input.name + ".txt"),
  };
}

// Numbers: one sample, as JSON (nested to the input's shape, or flat) or numbers separated by commas or spaces.
function numbersField(input) {
  const shape = input.shape.slice(1);
  const size = shape.reduce((a, b) => a * b, 1);
  const element = fieldBox(input, `${size} number${size === 1 ? "" : "s"}, shape [${shape.join(", ")}]`);
  const box = document.createElement("textarea");
  box.rows = Math.min(6, 1 + Math.floor(size / 24));
  box.spellcheck = false;
  box.value = new Array(size).fill(0).join(", ");
  box.setAttribute("aria-label", `numbers for input ${input.name}`);
  element.appendChild(box);
  box.addEventListener("input", fieldsChanged);
  return {
    element,
    part: async (form) => {
      const text = box.value.trim();
      let values;
      try {
        values = text.startsWith("[") ? [JSON.parse(text)].flat(Infinity) : text.split(/[\s,;]+/).filter((v) => v !== "").map(Number);
      } catch (e) {
        throw new Error(`input ${input.name}: not JSON (${e.message})`);
      }
      const bad = values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
      if (bad >= 0) throw new Error(`input ${input.name}: value ${bad} is not a finite number`);
      if (values.length !== size) throw new Error(`input ${input.name}: ${values.length} number${values.length === 1 ? "" : "s"}; it takes ${size} (shape [${shape.join(", ")}])`);
      form.append(input.name, new Blob([JSON.stringify([values])], { type: "application/json" }), input.name + ".json");
    },
  };
}

// One request at a time; a change while one is in flight sends the latest fields once it is answered.
async function fieldsChanged() {
  again = true;
  if (busy) return;
  busy = true;
  try {
    while (again) {
      again = false;
      const form = new FormData();
      try {
        for (const field of fields) await field.part(form);
      } catch (e) {
        setStatus(e.message, true);
        continue;
      }
      const started = performance.now();
      const result = await post(form);
      if (result) {
        showOutputs(result.outputs);
        setStatus(`answered in ${Math.round(performance.now() - started)} ms`);
      }
    }
  } finally {
    busy = false;
  }
}

// Each named output of the first sample: bars when it is a probability vector, its numbers otherwise.
function showOutputs(outputs) {
  const box = $("outputs");
  box.textContent = "";
  for (const [name, samples] of Object.entries(outputs)) {
    const values = [samples[0]].flat(Infinity);
    const block = document.createElement("div");
    block.className = "output";
    block.dataset.output = name;
    const title = document.createElement("h3");
    const shape = (info.outputs.find((o) => o.name === name) || { shape: [] }).shape.slice(1);
    title.textContent = `${name} [${shape.join(", ")}]`;
    block.appendChild(title);
    const sum = values.reduce((a, b) => a + b, 0);
    if (values.length >= 2 && values.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3) {
      const best = values.indexOf(Math.max(...values));
      const bars = document.createElement("ol");
      bars.className = "bars";
      values.forEach((v, c) => {
        const li = document.createElement("li");
        li.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="value"></span>';
        li.querySelector(".name").textContent = String(c);
        li.querySelector(".fill").style.width = (v * 100).toFixed(1) + "%";
        li.querySelector(".value").textContent = (v * 100).toFixed(1) + " %";
        li.classList.toggle("best", c === best);
        bars.appendChild(li);
      });
      block.appendChild(bars);
    } else {
      const pre = document.createElement("pre");
      pre.textContent = values.map((v) => Number(v.toPrecision(5))).join(", ");
      block.appendChild(pre);
    }
    box.appendChild(block);
  }
  document.body.dataset.outputs = JSON.stringify(outputs);
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
    const result = await post(JSON.stringify(body), "application/json");
    if (!result) return;
    showResult(result.outputs[0], result.predictions ? result.predictions[0] : null);
    setStatus(`answered in ${Math.round(performance.now() - started)} ms`);
  } finally {
    busy = false;
  }
}

// POST /v1/predict; the answer, or null after showing why there is none. A FormData body sets its own Content-Type.
async function post(body, contentType) {
  try {
    const response = await fetch("/v1/predict", { method: "POST", headers: contentType ? { "Content-Type": contentType } : {}, body });
    const result = await response.json();
    if (!response.ok) {
      setStatus(`${response.status}: ${result.error}`, true);
      return null;
    }
    return result;
  } catch (e) {
    setStatus("request failed: " + e, true);
    return null;
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
