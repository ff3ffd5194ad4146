// The main game domain: runs game.js in this frame, whose viewport is the phone's screen. Its
// globals are the game's (GameGlobal is this window), so adapters that patch window, document and
// the canvas prototype (weapp-adapter and its kin) patch this frame only, never the simulator.
"use strict";

(function () {
  const shim = self.__ttminisShim;
  const host = window.parent.__ttminisHost;
  const config = host.config;
  const { CODES, PlatformError, listeners, raw, callbackMember, touchEvent, invoke } = shim;

  // Everything below is taken before game code runs: adapters replace document.createElement,
  // window.performance, Image, Audio, WebSocket, localStorage and the canvas prototype's chain.
  const doc = document;
  const createElement = Document.prototype.createElement.bind(doc);
  const appendChild = (parent, child) => Node.prototype.appendChild.call(parent, child);
  const on = (target, type, fn, options) => EventTarget.prototype.addEventListener.call(target, type, fn, options);
  const body = doc.body;
  const requestFrame = window.requestAnimationFrame.bind(window);
  const cancelFrame = window.cancelAnimationFrame.bind(window);
  const startTimer = window.setTimeout.bind(window);
  const stopTimer = window.clearTimeout.bind(window);
  const realFetch = window.fetch.bind(window);
  const storage = window.localStorage;
  const RealAudio = window.Audio;
  const RealWebSocket = window.WebSocket;
  const origin = location.origin;

  const info = host.systemInfo();
  const report = (kind, detail) => host.report(kind, detail, "main");
  const events = listeners();

  // ---------------------------------------------------------------------------- files and assets

  // A package path (`images/a.png`, `/images/a.png`, `./a.png`) as a URL of the project's files.
  function assetUrl(path) {
    const text = String(path);
    if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith("//")) return text;
    return `${origin}/game/${text.replace(/^(\.\/|\/)+/, "")}`;
  }

  // ---------------------------------------------------------------------------- canvases

  function noDataUrl(canvas) {
    if (!config.openDataDir) return;
    Object.defineProperty(canvas, "toDataURL", {
      configurable: true,
      value() {
        const message = "toDataURL() is removed from main-domain canvases once the game has an open data domain; " +
          "use toTempFilePath or keep the canvas [TTM106 todataurl-with-open-data]";
        report("wrong-domain", { api: "toDataURL", rule: "TTM106", message, stack: new Error(message).stack });
        throw new PlatformError(message, CODES.wrongDomain, { rule: "TTM106" });
      },
    });
  }

  const screen = createElement("canvas");
  screen.id = "ttminis-canvas";
  screen.width = info.windowWidth;
  screen.height = info.windowHeight;
  appendChild(body, screen);
  noDataUrl(screen);
  let screenGiven = false;
  let screenTrace = null; // the text the game has drawn on the screen, for screen readers and tests
  const getContext = HTMLCanvasElement.prototype.getContext;
  Object.defineProperty(screen, "getContext", {
    configurable: true,
    writable: true,
    value(type, attributes) {
      const context = getContext.call(screen, type, attributes);
      if (context && type === "2d" && !screenTrace) screenTrace = shim.traceContext(context, () => {});
      return context;
    },
  });

  function createCanvas() {
    if (!screenGiven) {
      screenGiven = true;
      return screen;
    }
    const canvas = createElement("canvas");
    noDataUrl(canvas);
    return canvas;
  }

  // The main domain's view of the shared canvas: a canvas of this realm (so drawImage takes it)
  // that shows the open data domain's last frame; the sizes the game sets go to the host.
  const { canvas: shared, style: sharedStyle, setSize: sharedCanvasSize } = shim.sharedCanvas(
    (width, height) => host.openData.resize(width, height));
  sharedCanvasSize(config.sharedCanvas.width, config.sharedCanvas.height);
  noDataUrl(shared);
  const sharedContext = shared.getContext("2d");

  const openDataContext = {
    postMessage: (message) => host.openData.post(message),
    canvas: shared,
  };

  // ---------------------------------------------------------------------------- images, fonts, audio

  const createImage = shim.imageFactory((value, show) => show(assetUrl(value)));
  const loadFont = shim.fontLoader((path) => `url(${JSON.stringify(assetUrl(path))})`, report);

  // Browsers hold back sound until the page has been clicked; a phone does not. Blocked play()s
  // are retried on the first touch.
  const waitingToPlay = new Set();
  let toldAboutAutoplay = false;
  function retryPlay() {
    for (const element of waitingToPlay) element.play().catch(() => {});
    waitingToPlay.clear();
  }

  const AUDIO_EVENTS = { canplay: "Canplay", play: "Play", pause: "Pause", ended: "Ended", timeupdate: "TimeUpdate",
    waiting: "Waiting", seeking: "Seeking", seeked: "Seeked" };

  function createInnerAudioContext() {
    const element = new RealAudio();
    const audio = listeners();
    let src = "";
    let autoplay = false;
    for (const [type, name] of Object.entries(AUDIO_EVENTS)) on(element, type, () => audio.emit(name, {}));
    on(element, "error", () => audio.emit("Error", { errMsg: `audio: cannot play ${src}`, errCode: 10001 }));
    function play() {
      const started = element.play();
      if (started && started.catch) {
        started.catch((error) => {
          if (error && error.name === "NotAllowedError") {
            waitingToPlay.add(element);
            if (!toldAboutAutoplay) {
              toldAboutAutoplay = true;
              host.log("audio starts after the first click on the screen (the browser's autoplay rule)");
            }
          }
        });
      }
    }
    const context = {
      get src() { return src; },
      set src(value) {
        src = value;
        element.src = assetUrl(value);
        if (autoplay) play();
      },
      get autoplay() { return autoplay; },
      set autoplay(value) {
        autoplay = Boolean(value);
        if (autoplay && src) play();
      },
      get loop() { return element.loop; },
      set loop(value) { element.loop = Boolean(value); },
      get volume() { return element.volume; },
      set volume(value) { element.volume = Math.min(1, Math.max(0, Number(value) || 0)); },
      get playbackRate() { return element.playbackRate; },
      set playbackRate(value) { element.playbackRate = Number(value) || 1; },
      startTime: 0,
      obeyMuteSwitch: true,
      get currentTime() { return element.currentTime; },
      get duration() { return Number.isFinite(element.duration) ? element.duration : 0; },
      get paused() { return element.paused; },
      get buffered() { return element.buffered.length ? element.buffered.end(element.buffered.length - 1) : 0; },
      play,
      pause: () => element.pause(),
      stop: () => {
        element.pause();
        element.currentTime = 0;
        audio.emit("Stop", {});
      },
      seek: (seconds) => { element.currentTime = Number(seconds) || 0; },
      destroy: () => {
        element.pause();
        waitingToPlay.delete(element);
        element.removeAttribute("src");
      },
    };
    return Object.assign(context, shim.pairs(audio, [...Object.values(AUDIO_EVENTS), "Stop", "Error"]));
  }

  // ---------------------------------------------------------------------------- touches

  // A mouse or a finger on the screen at (x, y) of this viewport is a touch at clientX = x, clientY = y.
  const active = new Map(); // identifier -> touch
  function dispatch(kind, changed, timeStamp) {
    for (const touch of changed) {
      if (kind === "Start" || kind === "Move") active.set(touch.identifier, touch);
      else active.delete(touch.identifier);
    }
    const event = touchEvent([...active.values()], changed, timeStamp);
    events.emit(`Touch${kind}`, event);
    host.openData.touch(kind, event);
  }
  const mouseTouch = (e) => ({ identifier: 0, clientX: e.clientX, clientY: e.clientY, force: 1 });
  let mouseDown = false;
  on(window, "mousedown", (e) => {
    if (e.button !== 0) return;
    mouseDown = true;
    retryPlay();
    dispatch("Start", [mouseTouch(e)], e.timeStamp);
  });
  on(window, "mousemove", (e) => {
    if (!mouseDown) return;
    if (e.buttons & 1) dispatch("Move", [mouseTouch(e)], e.timeStamp);
    else { // released outside the screen
      mouseDown = false;
      dispatch("End", [mouseTouch(e)], e.timeStamp);
    }
  });
  on(window, "mouseup", (e) => {
    if (!mouseDown) return;
    mouseDown = false;
    dispatch("End", [mouseTouch(e)], e.timeStamp);
  });
  const fingers = (list) => Array.from(list, (t) => ({ identifier: t.identifier + 1, clientX: t.clientX,
    clientY: t.clientY, force: t.force || 1 }));
  const TOUCHES = [["touchstart", "Start"], ["touchmove", "Move"], ["touchend", "End"], ["touchcancel", "Cancel"]];
  for (const [type, kind] of TOUCHES) {
    on(window, type, (e) => {
      e.preventDefault(); // no mouse events copied from this touch
      retryPlay();
      dispatch(kind, fingers(e.changedTouches), e.timeStamp);
    }, { passive: false });
  }

  // ---------------------------------------------------------------------------- local storage

  // Per project and per player: each player is their own phone.
  const prefix = () => `ttminis:${config.projectId}:${host.user}:`;
  function storageKey(key, api) {
    if (typeof key !== "string" || key === "") {
      throw new PlatformError(`${api}: key must be a non-empty string`, CODES.invalid);
    }
    return prefix() + key;
  }
  function ownKeys() {
    const keys = [];
    for (let i = 0; i < storage.length; i += 1) {
      const key = storage.key(i);
      if (key.startsWith(prefix())) keys.push(key.slice(prefix().length));
    }
    return keys;
  }
  function readItem(key, api) {
    const text = storage.getItem(storageKey(key, api));
    return text === null ? undefined : JSON.parse(text).data;
  }
  function writeItem(key, data, api) {
    if (data === undefined) throw new PlatformError(`${api}: data is required`, CODES.invalid);
    storage.setItem(storageKey(key, api), JSON.stringify({ data }));
  }
  function storageInfo() {
    const keys = ownKeys();
    const bytes = keys.reduce((sum, key) => sum + key.length + (storage.getItem(prefix() + key) || "").length, 0);
    return { keys, currentSize: Math.ceil(bytes / 1024), limitSize: 10240 };
  }

  // ---------------------------------------------------------------------------- network

  function requestUrl(options) {
    if (typeof options.url !== "string" || !options.url) throw new PlatformError("url is required", CODES.invalid);
    const method = String(options.method || "GET").toUpperCase();
    let url = options.url;
    let payload;
    if (options.data !== undefined) {
      if (method === "GET" && typeof options.data === "object") {
        const query = new URLSearchParams(Object.entries(options.data).map(([k, v]) => [k, String(v)])).toString();
        url += (url.includes("?") ? "&" : "?") + query;
      } else if (method !== "GET") {
        payload = typeof options.data === "string" || options.data instanceof ArrayBuffer
          ? options.data : JSON.stringify(options.data);
      }
    }
    return { url, method, payload };
  }

  async function fetchFor(api, options, signal) {
    const { url, method, payload } = requestUrl(options);
    let response;
    try {
      response = await realFetch(url, { method, body: payload, headers: options.header || {}, signal });
    } catch (error) {
      throw new PlatformError(`${error.message}: ${url} cannot be reached from the browser (offline, or the ` +
        "server does not allow this page's origin)", CODES.failed);
    }
    return response;
  }

  function request(options) {
    const opts = options || {};
    const controller = new AbortController();
    const timer = opts.timeout ? startTimer(() => controller.abort(), opts.timeout) : null;
    const result = callbackMember("request", async () => {
      try {
        const response = await fetchFor("request", opts, controller.signal);
        let data;
        if (opts.responseType === "arraybuffer") data = await response.arrayBuffer();
        else {
          data = await response.text();
          if ((opts.dataType || "json") === "json") {
            try { data = JSON.parse(data); } catch (error) { /* not JSON: the text, as the platform gives it */ }
          }
        }
        return { data, statusCode: response.status, header: Object.fromEntries(response.headers.entries()) };
      } finally {
        if (timer) stopTimer(timer);
      }
    })(opts);
    const task = { abort: () => controller.abort(), onHeadersReceived() {}, offHeadersReceived() {} };
    return result && !(opts.success || opts.fail || opts.complete) ? Object.assign(result, task) : task;
  }

  function downloadFile(options) {
    const opts = options || {};
    const controller = new AbortController();
    callbackMember("downloadFile", async () => {
      const response = await fetchFor("downloadFile", { url: opts.url }, controller.signal);
      const blob = await response.blob();
      return { tempFilePath: URL.createObjectURL(blob), statusCode: response.status };
    })(opts);
    return { abort: () => controller.abort(), onProgressUpdate() {}, offProgressUpdate() {} };
  }

  function connectSocket(options) {
    const opts = options || {};
    const socket = new RealWebSocket(opts.url, opts.protocols);
    const task = listeners();
    on(socket, "open", () => task.emit("Open", {}));
    on(socket, "close", (e) => task.emit("Close", { code: e.code, reason: e.reason }));
    on(socket, "error", () => task.emit("Error", { errMsg: `connectSocket: cannot reach ${opts.url}` }));
    on(socket, "message", (e) => task.emit("Message", { data: e.data }));
    const socketTask = {
      send: (o) => callbackMember("SocketTask.send", () => { socket.send((o || {}).data); })(o || {}),
      close: (o) => callbackMember("SocketTask.close", () => {
        socket.close((o || {}).code || 1000, (o || {}).reason);
      })(o || {}),
    };
    return Object.assign(socketTask, shim.pairs(task, ["Open", "Close", "Error", "Message"]));
  }

  let online = navigator.onLine;
  for (const [type, isConnected] of [["online", true], ["offline", false]]) {
    on(window, type, () => {
      online = isConnected;
      events.emit("NetworkStatusChange", { isConnected, networkType: isConnected ? "wifi" : "none" });
    });
  }

  // ---------------------------------------------------------------------------- ads, lifecycle, device

  function createAd(kind) {
    return function (options) {
      const ad = listeners();
      const adUnitId = (options || {}).adUnitId;
      if (!adUnitId) report("warning", { message: `${kind}: adUnitId is required` });
      const load = () => new Promise((resolve) => startTimer(() => { ad.emit("Load", {}); resolve(); }, 50));
      return {
        adUnitId,
        load,
        show: () => load().then(() => {
          const what = kind === "createRewardedVideoAd" ? "Rewarded video" : "Interstitial";
          host.ui.toast({ title: `${what} ad (simulated)` });
          startTimer(() => ad.emit("Close", kind === "createRewardedVideoAd" ? { isEnded: true } : {}), 800);
        }),
        destroy() {},
        ...shim.pairs(ad, ["Load", "Error", "Close"]),
      };
    };
  }

  host.onVisibility((visible) => events.emit(visible ? "Show" : "Hide", { scene: 0, query: {} }));

  const launch = { scene: 0, query: {}, referrerInfo: {} };
  let brightness = 0.5;
  let toldAboutFps = false;

  // ---------------------------------------------------------------------------- the platform object

  const impl = {
    init() {},
    env: { USER_DATA_PATH: "ttfile://user" },
    getSystemInfo: () => host.systemInfo(),
    getSystemInfoSync: () => shim.copy(host.systemInfo()),
    getWindowInfo: () => {
      const i = host.systemInfo();
      return shim.copy({ windowWidth: i.windowWidth, windowHeight: i.windowHeight, screenWidth: i.screenWidth,
        screenHeight: i.screenHeight, pixelRatio: i.pixelRatio, statusBarHeight: i.statusBarHeight,
        safeArea: i.safeArea, screenTop: 0 });
    },
    getMenuButtonBoundingClientRect: () => {
      const right = info.windowWidth - 8;
      const top = info.statusBarHeight + 4;
      return { width: 88, height: 32, top, bottom: top + 32, left: right - 88, right };
    },
    getLaunchOptionsSync: () => shim.copy(launch),
    getEnterOptionsSync: () => shim.copy(launch),
    ...shim.pairs(events, ["Show", "Hide", "CopyUrl", "NetworkStatusChange", ...shim.TOUCH_EVENTS,
      "KeyboardInput", "KeyboardConfirm", "KeyboardComplete"]),
    getUpdateManager: () => ({
      onCheckForUpdate: (fn) => startTimer(() => invoke(fn, { hasUpdate: false }), 0),
      onUpdateReady() {}, onUpdateFailed() {}, applyUpdate() {},
    }),
    loadSubpackage: raw((options) => {
      const opts = options || {};
      callbackMember("loadSubpackage", () => ({}))(opts); // every file is served: nothing to download
      const done = { progress: 100, totalBytesWritten: 0, totalBytesExpectedToWrite: 0 };
      return { onProgressUpdate: (fn) => invoke(fn, done) };
    }),
    login: () => host.login(),
    authorize: (options) => host.authorize(options),
    getOpenDataContext: () => openDataContext,
    authorizeOpenContext: (options) => host.authorizeOpenContext(options),
    postMessage: (message) => host.openData.post(message),
    getSharedCanvas: () => shared,
    setUserCloudStorage: (options) => host.cloud("setUserCloudStorage", options),
    removeUserCloudStorage: (options) => host.cloud("removeUserCloudStorage", options),
    shareAppMessage: (options) => host.share("shareAppMessage", options),
    shareToStory: (options) => host.share("shareToStory", options),
    addShortcut: () => ({}),
    getShortcutMissionReward: () => ({ canReceiveReward: false }),
    startEntranceMission: () => ({}),
    getEntranceMissionReward: () => ({ canReceiveReward: false }),
    createCanvas,
    createImage,
    requestAnimationFrame: requestFrame,
    cancelAnimationFrame: cancelFrame,
    setTimeout: startTimer,
    clearTimeout: stopTimer,
    setPreferredFramesPerSecond: () => {
      if (!toldAboutFps) {
        toldAboutFps = true;
        host.log("setPreferredFramesPerSecond: the simulator runs at the browser's frame rate");
      }
    },
    loadFont,
    showToast: (options) => host.ui.toast(options),
    hideToast: () => host.ui.hideToast(),
    showLoading: (options) => host.ui.loading(options),
    hideLoading: () => host.ui.hideLoading(),
    showModal: (options) => host.ui.modal(options),
    showKeyboard: (options) => host.ui.keyboard(options, {
      input: (value) => events.emit("KeyboardInput", { value }),
      confirm: (value) => events.emit("KeyboardConfirm", { value }),
      complete: (value) => events.emit("KeyboardComplete", { value }),
    }),
    hideKeyboard: () => host.ui.hideKeyboard(),
    updateKeyboard: (options) => host.ui.updateKeyboard(options),
    createInnerAudioContext,
    setStorage: (o) => { writeItem(o.key, o.data, "setStorage"); return {}; },
    getStorage: (o) => {
      const data = readItem(o.key, "getStorage");
      if (data === undefined) throw new PlatformError("data not found", CODES.invalid);
      return { data };
    },
    removeStorage: (o) => { storage.removeItem(storageKey(o.key, "removeStorage")); return {}; },
    clearStorage: () => { for (const key of ownKeys()) storage.removeItem(prefix() + key); return {}; },
    getStorageInfo: () => storageInfo(),
    setStorageSync: (key, data) => writeItem(key, data, "setStorageSync"),
    getStorageSync: (key) => {
      const data = readItem(key, "getStorageSync");
      return data === undefined ? "" : data;
    },
    removeStorageSync: (key) => storage.removeItem(storageKey(key, "removeStorageSync")),
    clearStorageSync: () => { for (const key of ownKeys()) storage.removeItem(prefix() + key); },
    getStorageInfoSync: () => storageInfo(),
    request: raw(request),
    downloadFile: raw(downloadFile),
    connectSocket,
    getNetworkType: () => ({ networkType: online ? "wifi" : "none" }),
    createRewardedVideoAd: createAd("createRewardedVideoAd"),
    createInterstitialAd: createAd("createInterstitialAd"),
    vibrateShort: () => ({}),
    vibrateLong: () => ({}),
    setKeepScreenOn: () => ({}),
    getScreenBrightness: () => ({ value: brightness }),
    setScreenBrightness: (o) => { brightness = Math.min(1, Math.max(0, Number((o || {}).value) || 0)); return {}; },
    reportEvent: (name, data) => host.log(`reportEvent ${name} ${JSON.stringify(data === undefined ? {} : data)}`),
  };

  const platform = shim.buildPlatform({ domain: "main", table: config.api, impl, report,
    openDataDir: config.openDataDir });

  // ---------------------------------------------------------------------------- errors and boot

  shim.reportUncaught(report);
  const inject = shim.scriptInjector(null);

  const globals = { GameGlobal: window, tt: platform, wx: platform, TTMinis: Object.freeze({ game: platform }) };
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(window, name, { value, writable: true, configurable: true });
  }

  host.attachMain({
    coverage: () => shim.coverage(config.api, "main", impl),
    // A new frame of the open data domain: shown by the main domain's shared canvas, which the
    // host lays over the screen and the game may draw with drawImage.
    sharedFrame(bitmap, width, height) {
      sharedCanvasSize(width, height);
      sharedContext.clearRect(0, 0, width, height);
      sharedContext.drawImage(bitmap, 0, 0);
    },
    sharedCanvasSize,
    sharedCanvas: shared,
    sharedStyle,
    screenText() {
      if (!screenTrace || !screenTrace.changed) return null;
      screenTrace.changed = false;
      return screenTrace.text.slice();
    },
  });

  realFetch(`${origin}/_ttminis/sources/main`).then((r) => r.json()).then((sources) => {
    const loader = shim.createLoader({ files: sources.files, inject, urlOf: (path) => `${origin}/game/${path}` });
    try {
      loader.require(`./${sources.entry}`);
      host.booted(null);
    } catch (error) {
      host.booted(error);
      if (!error.reported) startTimer(() => { throw error; }, 0);
    }
  }, (error) => host.booted(error));
})();
