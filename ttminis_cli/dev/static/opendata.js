// The open data domain: runs the open data folder's index.js in a sandboxed frame of its own origin
// (none), with no network, no DOM of the game and no local storage. It talks only to the host page,
// through a private channel this runtime keeps to itself; game code here can draw on the shared
// canvas and ask for friends' data, nothing more. Each frame it drew is sent to the host as an
// ImageBitmap.
"use strict";

(function () {
  const shim = self.__ttminisShim;
  delete self.__ttminisShim;
  const { PlatformError, listeners, invoke } = shim;

  const doc = document;
  const createElement = Document.prototype.createElement.bind(doc);
  const on = (target, type, fn) => EventTarget.prototype.addEventListener.call(target, type, fn);
  const off = (target, type, fn) => EventTarget.prototype.removeEventListener.call(target, type, fn);
  const nonce = doc.currentScript.nonce;
  const makeBitmap = self.createImageBitmap.bind(self);
  const startTimer = self.setTimeout.bind(self);
  const now = performance.now.bind(performance);
  const stopTimer = self.clearTimeout.bind(self);
  const RealBlob = self.Blob;
  const blobUrl = URL.createObjectURL.bind(URL);
  const getContext = HTMLCanvasElement.prototype.getContext;

  let port = null;
  const pending = new Map(); // request id -> {resolve, reject}
  let nextId = 1;

  function send(message, transfer) {
    port.postMessage(message, transfer || []);
  }

  // A request to the host: cloud storage, shares, the bytes of a package file.
  function ask(name, args) {
    return new Promise((resolve, reject) => {
      const id = nextId;
      nextId += 1;
      pending.set(id, { resolve, reject });
      send({ t: "call", id, name, args });
    });
  }

  const report = (kind, detail) => send({ t: "report", kind, detail });

  // Options as data only: callbacks stay here, the rest is cloned to the host.
  function data(options) {
    return JSON.parse(JSON.stringify(options || {}));
  }

  on(self, "message", function init(event) {
    if (event.source !== parent || !event.data || event.data.t !== "ttminis-init" || !event.ports[0]) return;
    off(self, "message", init);
    port = event.ports[0];
    port.onmessage = (e) => receive(e.data);
  });

  function receive(message) {
    if (message.t === "start") start(message);
    else if (message.t === "reply") {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (!waiting) return;
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new PlatformError(message.error.message, message.error.code, message.error.extra));
    } else if (message.t === "message") events.emit("Message", message.message);
    else if (message.t === "tick") tick(now()); // this frame's clock, as its performance.now() reads it
    else if (message.t === "touch") events.emit(`Touch${message.kind}`, message.event);
    else if (message.t === "resize") resizeFromMain(message.width, message.height);
  }

  const events = listeners();

  // ---------------------------------------------------------------------------- the shared canvas

  let dirty = true;
  let trace = null; // what the open data domain has written on the shared canvas
  function cleared() { // a new size clears a canvas
    dirty = true;
    if (trace) {
      trace.text = [];
      trace.changed = true;
    }
  }
  const { canvas: shared, style: sharedStyle, setSize } = shim.sharedCanvas((width, height) => {
    cleared();
    send({ t: "resize", width, height });
  });

  function resizeFromMain(width, height) {
    if (setSize(width, height)) cleared();
  }

  // Every drawing call on the shared canvas marks it changed, so unchanged frames cost nothing.
  let alwaysDirty = false;
  Object.defineProperty(shared, "getContext", {
    configurable: true,
    value(type, attributes) {
      const context = getContext.call(shared, type, attributes);
      if (context && type === "2d" && !trace) trace = shim.traceContext(context, () => { dirty = true; });
      else if (context && type !== "2d") alwaysDirty = true; // WebGL: no cheap way to know, so every frame
      return context;
    },
  });

  // ---------------------------------------------------------------------------- frames

  const frameCallbacks = new Map();
  let nextFrame = 1;
  function requestAnimationFrame(callback) {
    const id = nextFrame;
    nextFrame += 1;
    frameCallbacks.set(id, callback);
    return id;
  }
  function cancelAnimationFrame(id) {
    frameCallbacks.delete(id);
  }

  let lastStyle = "";
  async function tick(time) {
    const due = [...frameCallbacks.values()];
    frameCallbacks.clear();
    for (const callback of due) invoke(callback, time);
    const style = JSON.stringify(sharedStyle);
    const message = { t: "frame" };
    if (style !== lastStyle) {
      lastStyle = style;
      message.style = JSON.parse(style);
    }
    if ((dirty || alwaysDirty) && shared.width > 0 && shared.height > 0) {
      dirty = false;
      message.width = shared.width;
      message.height = shared.height;
      if (trace && trace.changed) {
        trace.changed = false;
        message.text = trace.text.slice();
      }
      try {
        message.bitmap = await makeBitmap(shared);
      } catch (error) { // the host still gets its frame, or it would wait for it forever
        report("warning", { message: `the shared canvas could not be sent: ${error.message}` });
      }
    }
    send(message, message.bitmap ? [message.bitmap] : []);
  }

  // ---------------------------------------------------------------------------- images and fonts

  async function packageBytes(path) {
    const text = String(path);
    if (text.startsWith("data:") || text.startsWith("blob:")) return null;
    return ask("asset", { path: text });
  }

  const createImage = shim.imageFactory((value, show, fail) => {
    packageBytes(value).then(
      (bytes) => show(bytes === null ? String(value) : blobUrl(new RealBlob([bytes.buffer], { type: bytes.type }))),
      (error) => {
        report("warning", { message: `image ${value}: ${error.message}` });
        fail();
      });
  });
  const loadFont = shim.fontLoader((path) => packageBytes(path).then((bytes) => bytes.buffer), report);

  // ---------------------------------------------------------------------------- the platform object

  let config = null;
  const impl = {
    env: { USER_DATA_PATH: "ttfile://user" },
    getSystemInfo: () => config.systemInfo,
    getSystemInfoSync: () => shim.copy(config.systemInfo),
    getWindowInfo: () => shim.copy(config.systemInfo),
    onMessage: events.on("Message"),
    getSharedCanvas: () => shared,
    setUserCloudStorage: (options) => ask("setUserCloudStorage", data(options)),
    removeUserCloudStorage: (options) => ask("removeUserCloudStorage", data(options)),
    getUserCloudStorage: (options) => ask("getUserCloudStorage", data(options)),
    getFriendCloudStorage: (options) => ask("getFriendCloudStorage", data(options)),
    shareToUser: (options) => ask("shareToUser", data(options)),
    createCanvas: () => createElement("canvas"),
    createImage,
    requestAnimationFrame,
    cancelAnimationFrame,
    setTimeout: startTimer,
    clearTimeout: stopTimer,
    setPreferredFramesPerSecond() {},
    loadFont,
    ...shim.pairs(events, shim.TOUCH_EVENTS),
  };

  shim.reportUncaught(report);
  const inject = shim.scriptInjector(nonce);

  function start(message) {
    config = message;
    resizeFromMain(message.sharedCanvas.width, message.sharedCanvas.height);
    const platform = shim.buildPlatform({ domain: "open-data", table: message.api, impl, report,
      openDataDir: message.openDataDir });
    const globals = { GameGlobal: self, tt: platform, wx: platform, TTMinis: Object.freeze({ game: platform }),
      sharedCanvas: shared, requestAnimationFrame, cancelAnimationFrame };
    for (const [name, value] of Object.entries(globals)) {
      Object.defineProperty(self, name, { value, writable: true, configurable: true });
    }
    send({ t: "coverage", coverage: shim.coverage(message.api, "open-data", impl) });
    if (!Object.prototype.hasOwnProperty.call(message.files, message.entry)) {
      const error = `${message.entry} does not exist: the platform starts the open data domain there ` +
        "(a TypeScript project: run the build)";
      report("error", { message: error });
      send({ t: "booted", error });
      return;
    }
    const loader = shim.createLoader({ files: message.files, inject,
      urlOf: (path) => `${message.origin}/game/${path}` });
    try {
      loader.require(`./${message.entry}`);
      send({ t: "booted" });
    } catch (error) {
      send({ t: "booted", error: String(error && error.message) });
      if (!error.reported) startTimer(() => { throw error; }, 0);
    }
  }
})();
