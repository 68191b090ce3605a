// Reader-study image viewer: window/level, zoom and pan, fit, smooth or pixel-exact magnification, shortcuts.
//
// One script, served unchanged for every item, so nothing here can differ between real and synthetic images.
// Without JavaScript the page still works: the <img> is shown at its fixed size and the form posts as usual.
// The viewer's state is mirrored in data-* attributes of #viewer (read by the browser tests).
"use strict";

(function () {
  const viewer = document.getElementById("viewer");
  const image = document.getElementById("study-image");
  const form = document.getElementById("rating-form");
  if (!viewer || !image || !form) return;

  const stage = document.getElementById("stage");
  const canvas = document.getElementById("study-canvas");
  const tools = document.getElementById("tools");
  const level = document.getElementById("level");
  const width = document.getElementById("window");
  const pixelExact = document.getElementById("pixel-exact");
  const zoomLabel = document.getElementById("zoom-label");
  const ZOOMS = [1, 1.5, 2, 3, 4, 6, 8]; // multiples of the fit-to-screen size
  const state = { zoom: 0, panX: 0, panY: 0, gray: null };

  function fitScale() {
    return Math.min(stage.clientWidth / image.naturalWidth, stage.clientHeight / image.naturalHeight);
  }

  // Display scale in CSS px per image px; pixel-exact mode snaps it to a whole number (at least 1).
  function displayScale() {
    const scale = fitScale() * ZOOMS[state.zoom];
    return pixelExact.checked ? Math.max(1, Math.floor(scale)) : scale;
  }

  // Window/level on 8-bit gray values: level L is the centre, window W the width mapped to black..white.
  function render() {
    const L = Number(level.value), W = Number(width.value);
    const low = L - W / 2;
    const lut = new Uint8ClampedArray(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.round(((v - low) * 255) / (W - 1));
    const context = canvas.getContext("2d");
    const out = context.createImageData(canvas.width, canvas.height);
    for (let i = 0, p = 0; i < state.gray.length; i++, p += 4) {
      const g = lut[state.gray[i]];
      out.data[p] = out.data[p + 1] = out.data[p + 2] = g;
      out.data[p + 3] = 255;
    }
    context.putImageData(out, 0, 0);
    viewer.dataset.level = level.value;
    viewer.dataset.window = width.value;
  }

  function place() {
    const scale = displayScale();
    const w = image.naturalWidth * scale, h = image.naturalHeight * scale;
    // Pan only as far as the image still covers the stage (or stays centred when smaller).
    const maxX = Math.max(0, (w - stage.clientWidth) / 2), maxY = Math.max(0, (h - stage.clientHeight) / 2);
    state.panX = Math.min(maxX, Math.max(-maxX, state.panX));
    state.panY = Math.min(maxY, Math.max(-maxY, state.panY));
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    canvas.style.left = `${(stage.clientWidth - w) / 2 + state.panX}px`;
    canvas.style.top = `${(stage.clientHeight - h) / 2 + state.panY}px`;
    canvas.style.imageRendering = pixelExact.checked ? "pixelated" : "auto";
    zoomLabel.textContent = state.zoom === 0 ? "fit" : `${ZOOMS[state.zoom]}x`;
    viewer.dataset.zoom = String(ZOOMS[state.zoom]);
    viewer.dataset.scale = scale.toFixed(3);
    viewer.dataset.rendering = pixelExact.checked ? "pixel-exact" : "smooth";
    viewer.dataset.pan = `${Math.round(state.panX)},${Math.round(state.panY)}`;
  }

  function zoomBy(step) {
    state.zoom = Math.min(ZOOMS.length - 1, Math.max(0, state.zoom + step));
    place();
  }

  function fit() {
    state.zoom = 0;
    state.panX = state.panY = 0;
    place();
  }

  function resetWindow() {
    level.value = "128";
    width.value = "256";
    render();
  }

  function start() {
    const source = document.createElement("canvas");
    source.width = canvas.width = image.naturalWidth;
    source.height = canvas.height = image.naturalHeight;
    const context = source.getContext("2d");
    context.drawImage(image, 0, 0);
    const rgba = context.getImageData(0, 0, source.width, source.height).data;
    state.gray = new Uint8Array(rgba.length / 4);
    for (let i = 0; i < state.gray.length; i++) state.gray[i] = rgba[4 * i];
    image.hidden = true;
    canvas.hidden = false;
    tools.hidden = false;
    resetWindow();
    fit();
    viewer.dataset.ready = "true";
  }

  document.getElementById("zoom-in").addEventListener("click", () => zoomBy(1));
  document.getElementById("zoom-out").addEventListener("click", () => zoomBy(-1));
  document.getElementById("fit").addEventListener("click", fit);
  document.getElementById("reset-window").addEventListener("click", resetWindow);
  level.addEventListener("input", render);
  width.addEventListener("input", render);
  pixelExact.addEventListener("change", place);
  window.addEventListener("resize", () => state.gray && place());
  stage.addEventListener("wheel", (event) => {
    if (!state.gray) return;
    event.preventDefault();
    zoomBy(event.deltaY < 0 ? 1 : -1);
  }, { passive: false });

  let drag = null;
  stage.addEventListener("pointerdown", (event) => {
    if (!state.gray) return;
    drag = { x: event.clientX - state.panX, y: event.clientY - state.panY };
    stage.setPointerCapture(event.pointerId);
  });
  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    state.panX = event.clientX - drag.x;
    state.panY = event.clientY - drag.y;
    place();
  });
  stage.addEventListener("pointerup", () => { drag = null; });
  stage.addEventListener("pointercancel", () => { drag = null; });

  function check(name, value) {
    const input = form.querySelector(`input[name="${name}"][value="${value}"]`);
    if (input) input.checked = true;
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === "text")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const digit = /^Digit([1-5])$/.exec(event.code);
    const key = event.key.toLowerCase();
    if (digit) check(event.shiftKey ? "realism" : "confidence", digit[1]);
    else if (key === "r") check("answer", "real");
    else if (key === "s") check("answer", "synthetic");
    else if (key === "+" || key === "=") zoomBy(1);
    else if (key === "-") zoomBy(-1);
    else if (key === "f") fit();
    else if (key === "w") resetWindow();
    else if (key === "enter" && (target === document.body || target.type === "radio")) form.requestSubmit();
    else return;
    event.preventDefault();
  });

  if (image.complete && image.naturalWidth) start();
  else image.addEventListener("load", start, { once: true });
})();
