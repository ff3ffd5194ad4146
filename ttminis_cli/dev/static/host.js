// The simulator page: the phone (#ttminis-screen) with the game frame and the sandboxed open data
// frame, the emulator client both domains' social APIs go through, the consent prompt and the
// other platform dialogs, the player switcher, and the panels (problems, lint, log).
"use strict";

(function () {
  const shim = self.__ttminisShim;
  const { CODES, PlatformError } = shim;
  const config = JSON.parse(document.getElementById("ttminis-config").textContent);
  const W = config.size.width;
  const H = config.size.height;
  const params = new URLSearchParams(location.search);
  let user = params.get("user") || config.user;

  const $ = (id) => document.getElementById(id);
  const screenEl = $("ttminis-screen");
  const overlay = $("ttminis-shared");
  const overlayContext = overlay.getContext("2d");
  screenEl.style.width = `${W}px`;
  screenEl.style.height = `${H}px`;

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  // ---------------------------------------------------------------------------- problems and log

  const problems = [];
  function where(detail) {
    const stack = String(detail.stack || "");
    const match = /\/game\/([^\s):]+):(\d+):(\d+)/.exec(stack) ||
      /\/game\/([^\s):]+):(\d+):(\d+)/.exec(`${detail.filename || ""}:${detail.line}:${detail.column}`);
    return match ? `${decodeURIComponent(match[1])}:${match[2]}:${match[3]}` : "";
  }

  function report(kind, detail, domain) {
    const entry = { kind, domain, message: String(detail.message), rule: detail.rule || null, api: detail.api || null,
      where: where(detail) };
    problems.push(entry);
    const line = el("li", undefined, { "data-kind": kind, "data-domain": domain, "data-rule": entry.rule || "" });
    line.appendChild(el("span", domain === "main" ? "main" : "open data", { class: "domain" }));
    if (entry.rule) line.appendChild(el("span", entry.rule, { class: "rule" }));
    if (entry.where) line.appendChild(el("span", entry.where, { class: "where" }));
    line.appendChild(el("span", entry.message, { class: "message" }));
    $("problems").appendChild(line);
    $("problems-empty").hidden = true;
    const text = `[${domain}] ${entry.where ? `${entry.where} ` : ""}${entry.message}`;
    if (kind === "error" || kind === "wrong-domain") console.error(text);
    else console.warn(text);
  }

  function log(text) {
    const line = el("li", text);
    $("log").prepend(line);
    while ($("log").children.length > 200) $("log").lastChild.remove();
  }

  // ---------------------------------------------------------------------------- the emulator

  const me = () => `/v1/users/${encodeURIComponent(user)}`;

  async function api(method, path, body) {
    let response;
    try {
      response = await fetch(path, { method, headers: body ? { "Content-Type": "application/json" } : {},
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new PlatformError(`the emulator cannot be reached (${error.message}); is ttminis dev still running?`,
        CODES.failed);
    }
    const payload = await response.json().catch(() => null);
    if (!response.ok) {
      const e = (payload && payload.error) || {};
      throw new PlatformError(e.message || `HTTP ${response.status}`, response.status,
        { code: e.code, field: e.field });
    }
    return payload;
  }

  const invalid = (message) => new PlatformError(message, CODES.invalid);

  function keysParam(keyList) {
    if (!Array.isArray(keyList) || !keyList.length) {
      throw invalid("keyList must be a non-empty array of keys, e.g. keyList: ['score'] [TTM202/TTM205]");
    }
    return keyList.map((k) => encodeURIComponent(String(k))).join(",");
  }

  async function requireGrant(name) {
    const status = await api("GET", `${me()}/authorize?status_only=1`);
    if (!status.authorized) {
      throw new PlatformError(`${name} needs the player's consent first: call authorizeOpenContext in the main domain`,
        CODES.declined);
    }
  }

  async function cloud(name, options) {
    const o = options || {};
    if (name === "setUserCloudStorage") {
      if (o.data === undefined && o.KVDataList === undefined) {
        throw invalid("data is required: data: [{ key, value }] [TTM202]");
      }
      const list = o.data !== undefined ? { data: o.data } : { KVDataList: o.KVDataList };
      await api("POST", `${me()}/storage`, list);
      return {};
    }
    if (name === "removeUserCloudStorage") {
      keysParam(o.keyList);
      await api("POST", `${me()}/storage:remove`, { keyList: o.keyList });
      return {};
    }
    if (name === "getUserCloudStorage") {
      const found = await api("GET", `${me()}/storage?keys=${keysParam(o.keyList)}`);
      return { KVDataList: found.KVDataList };
    }
    if (name === "getFriendCloudStorage") {
      const keys = keysParam(o.keyList);
      await requireGrant(name);
      const found = await api("GET", `${me()}/friends/storage?keys=${keys}`);
      return { data: found.data };
    }
    throw invalid(`${name} is not a cloud-storage API`);
  }

  async function share(kind, options) {
    const o = options || {};
    const body = { from: user, kind };
    for (const field of ["title", "subtitle", "imageUrl"]) if (o[field] !== undefined) body[field] = o[field];
    if (o.templateType !== undefined) {
      body.templateType = /^\d+$/.test(String(o.templateType)) ? Number(o.templateType) : o.templateType;
    }
    if (kind === "shareToUser") {
      if (typeof o.openid !== "string" || !o.openid) {
        throw invalid("openid is required: the friend's openid from getFriendCloudStorage [TTM202]");
      }
      body.to = o.openid;
    }
    const recorded = await api("POST", "/v1/shares", body);
    const target = kind === "shareToUser" ? ` to ${recorded.to}` : "";
    toast({ title: kind === "shareToUser" ? `Sent to ${recorded.to}` : "Shared (recorded by the emulator)" });
    log(`${kind}${target} recorded by the emulator: "${recorded.title}"`);
    return {};
  }

  async function authorizeOpenContext(options) {
    const o = options || {};
    const status = await api("GET", `${me()}/authorize?status_only=1`);
    if (o.get_status_only) return { authorized: status.authorized };
    if (!status.authorized && !(await consent())) {
      log(`${user} declined authorizeOpenContext`);
      throw new PlatformError("auth deny: the player did not allow access to their profile and friends",
        CODES.declined);
    }
    const granted = await api("POST", `${me()}/authorize`);
    return { code: granted.code };
  }

  // ---------------------------------------------------------------------------- dialogs on the screen

  let toastTimer = null;
  function toast(options) {
    const o = options || {};
    const box = $("tt-toast");
    box.textContent = String(o.title === undefined ? "" : o.title);
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, Number(o.duration) || 1500);
    return {};
  }

  function showDialog({ title, content, confirmText, cancelText, showCancel, testid }) {
    return new Promise((resolve) => {
      const layer = el("div", undefined, { class: "tt-dialog-layer", "data-testid": testid });
      const box = el("div", undefined, { class: "tt-dialog", role: "dialog", "aria-label": title || "dialog" });
      if (title) box.appendChild(el("h3", title));
      if (content) box.appendChild(el("p", content));
      const buttons = el("div", undefined, { class: "tt-buttons" });
      const close = (answer) => { layer.remove(); resolve(answer); };
      if (showCancel) {
        const no = el("button", cancelText, { type: "button", class: "tt-cancel" });
        no.addEventListener("click", () => close(false));
        buttons.appendChild(no);
      }
      const yes = el("button", confirmText, { type: "button", class: "tt-confirm" });
      yes.addEventListener("click", () => close(true));
      buttons.appendChild(yes);
      box.appendChild(buttons);
      layer.appendChild(box);
      screenEl.appendChild(layer);
    });
  }

  function consent() {
    return showDialog({ title: `${config.projectName} would like to access`, testid: "consent",
      content: `your nickname, avatar and friend list (playing as ${user})`,
      confirmText: "Allow", cancelText: "Don't allow", showCancel: true });
  }

  async function modal(options) {
    const o = options || {};
    const confirmed = await showDialog({ title: o.title, content: o.content, testid: "modal",
      confirmText: o.confirmText || "OK", cancelText: o.cancelText || "Cancel", showCancel: o.showCancel !== false });
    return { confirm: confirmed, cancel: !confirmed };
  }

  const keyboard = { handlers: null };
  const keyInput = $("tt-keyboard-input");
  keyInput.addEventListener("input", () => keyboard.handlers && keyboard.handlers.input(keyInput.value));
  keyInput.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !keyboard.handlers) return;
    keyboard.handlers.confirm(keyInput.value);
    if (!keyboard.hold) hideKeyboard();
  });
  function showKeyboard(options, handlers) {
    const o = options || {};
    keyboard.handlers = handlers;
    keyboard.hold = Boolean(o.confirmHold);
    keyInput.value = o.defaultValue === undefined ? "" : String(o.defaultValue);
    if (o.maxLength) keyInput.maxLength = Number(o.maxLength);
    $("tt-keyboard").hidden = false;
    keyInput.focus();
    return {};
  }
  function hideKeyboard() {
    if (keyboard.handlers) keyboard.handlers.complete(keyInput.value);
    keyboard.handlers = null;
    $("tt-keyboard").hidden = true;
    return {};
  }

  const ui = {
    toast,
    hideToast: () => { $("tt-toast").hidden = true; return {}; },
    loading: (o) => {
      $("tt-loading").textContent = String((o || {}).title || "Loading…");
      $("tt-loading").hidden = false;
      return {};
    },
    hideLoading: () => { $("tt-loading").hidden = true; return {}; },
    modal,
    keyboard: showKeyboard,
    hideKeyboard,
    updateKeyboard: (o) => { keyInput.value = String((o || {}).value || ""); return {}; },
  };

  // ---------------------------------------------------------------------------- the open data domain

  let phone = null; // the running game: its frames, channel and state

  function systemInfo() {
    const statusBar = 20;
    return {
      brand: "ttminis", model: "ttminis dev", system: "ttminis dev", platform: "devtools",
      pixelRatio: window.devicePixelRatio || 1, screenWidth: W, screenHeight: H, windowWidth: W, windowHeight: H,
      statusBarHeight: statusBar,
      safeArea: { left: 0, right: W, top: statusBar, bottom: H, width: W, height: H - statusBar },
      language: navigator.language, version: config.clientVersion, SDKVersion: config.sdkVersion,
      fontSizeSetting: 16, benchmarkLevel: 1, deviceOrientation: "portrait", theme: "light",
    };
  }

  // A file the open data domain may have as bytes: one of the project's, or an https image elsewhere
  // (a friend's avatar). Never this server's other routes: they would hand it every player's data.
  function assetUrl(path) {
    if (!/^[a-z][a-z0-9+.-]*:|^\/\//i.test(path)) return `/game/${path.replace(/^(\.\/|\/)+/, "")}`;
    const url = new URL(path, location.href);
    if (url.protocol !== "https:" || url.origin === location.origin) {
      throw invalid("the open data domain loads the package's files and https images only");
    }
    return url.href;
  }

  async function answer(name, args) {
    if (name === "asset") {
      const path = String(args.path);
      const url = assetUrl(path);
      const response = await fetch(url, { credentials: "omit" }).catch((error) => {
        throw new PlatformError(error.message, CODES.failed);
      });
      if (!response.ok) {
        throw new PlatformError(`${path} was not found in the project (HTTP ${response.status})`, CODES.invalid);
      }
      return { buffer: await response.arrayBuffer(), type: response.headers.get("content-type") || "" };
    }
    if (name === "shareToUser") return share("shareToUser", args);
    return cloud(name, args);
  }

  function fromOpenData(message) {
    const odd = phone && phone.odd;
    if (!odd) return;
    if (message.t === "frame") {
      odd.inFlight = false;
      if (message.style) {
        odd.style = message.style;
        odd.styleAt = performance.now();
      }
      if (message.bitmap) {
        phone.main.sharedFrame(message.bitmap, message.width, message.height);
        message.bitmap.close();
        odd.fresh = true;
      }
      if (message.text) $("ttminis-shared-text").textContent = message.text.join("\n");
    } else if (message.t === "call") {
      answer(message.name, message.args).then(
        (value) => odd.port.postMessage({ t: "reply", id: message.id, ok: true, value },
          value && value.buffer instanceof ArrayBuffer ? [value.buffer] : []),
        (error) => odd.port.postMessage({ t: "reply", id: message.id, ok: false,
          error: { message: error.message, code: error.code, extra: error.extra || {} } }));
    } else if (message.t === "resize") {
      odd.size = { width: message.width, height: message.height };
      if (phone.main) phone.main.sharedCanvasSize(message.width, message.height);
    } else if (message.t === "report") report(message.kind, message.detail, "open-data");
    else if (message.t === "coverage") odd.coverage = message.coverage;
    else if (message.t === "booted") {
      odd.booted = true;
      if (message.error) log(`the open data domain stopped at start: ${message.error}`);
    }
  }

  function startOpenData(state) {
    const odd = { port: null, ready: false, queue: [], inFlight: false, style: {}, styleAt: 0,
      size: { ...config.sharedCanvas }, booted: false, coverage: null, fresh: false };
    state.odd = odd;
    const frame = el("iframe", undefined, { sandbox: "allow-scripts", src: "/_ttminis/frame/open-data",
      title: "open data domain", class: "odd-frame", "data-testid": "open-data-frame" });
    frame.addEventListener("load", async () => {
      const channel = new MessageChannel();
      odd.port = channel.port1;
      odd.port.onmessage = (e) => { if (phone === state) fromOpenData(e.data); };
      frame.contentWindow.postMessage({ t: "ttminis-init" }, "*", [channel.port2]);
      const sources = await (await fetch("/_ttminis/sources/open-data")).json();
      if (phone !== state) return;
      odd.port.postMessage({ t: "start", files: sources.files, entry: sources.entry, api: config.api,
        systemInfo: systemInfo(), sharedCanvas: odd.size, openDataDir: config.openDataDir, origin: location.origin });
      odd.ready = true;
      for (const queued of odd.queue) odd.port.postMessage(queued);
      odd.queue = [];
    }, { once: true });
    screenEl.appendChild(frame);
    state.frames.push(frame);
  }

  function toOpenData(message) {
    const odd = phone && phone.odd;
    if (!odd) return;
    if (odd.ready) odd.port.postMessage(message);
    else odd.queue.push(message);
  }

  const openData = {
    post(message) {
      if (!config.openDataDir) {
        log("getOpenDataContext().postMessage: this project has no open data folder; the message goes nowhere");
        return;
      }
      toOpenData({ t: "message", message: structuredClone(message) });
    },
    resize(width, height) {
      if (phone && phone.odd) phone.odd.size = { width, height };
      toOpenData({ t: "resize", width, height });
    },
    touch(kind, event) {
      if (phone && phone.odd && phone.odd.ready) phone.odd.port.postMessage({ t: "touch", kind, event });
    },
  };

  // Where sharedCanvas.style puts the shared canvas: vw/vh of the screen, px or %.
  function length(value, extent, fallback) {
    const match = /^(-?[\d.]+)\s*(vw|vh|px|%)?$/.exec(String(value === undefined ? "" : value).trim());
    if (!match) return fallback;
    const n = parseFloat(match[1]);
    const unit = match[2] || "px";
    if (unit === "vw") return (n * W) / 100;
    if (unit === "vh") return (n * H) / 100;
    if (unit === "%") return (n * extent) / 100;
    return n;
  }

  let lastMainStyle = "";
  let mainStyleAt = 0;
  function placeOverlay(state) {
    const odd = state.odd;
    const main = state.main;
    const mainStyle = JSON.stringify(main.sharedStyle);
    if (mainStyle !== lastMainStyle) {
      lastMainStyle = mainStyle;
      mainStyleAt = performance.now();
    }
    // Both domains may set the style (TikTok's examples do it on either side): the latest wins.
    const style = mainStyleAt >= odd.styleAt ? { ...odd.style, ...main.sharedStyle }
      : { ...main.sharedStyle, ...odd.style };
    const placed = ["left", "top", "width", "height"].some((k) => style[k] !== undefined && style[k] !== "");
    overlay.hidden = !placed;
    if (!placed) return;
    const canvas = main.sharedCanvas;
    overlay.style.left = `${length(style.left, W, 0)}px`;
    overlay.style.top = `${length(style.top, H, 0)}px`;
    overlay.style.width = `${length(style.width, W, canvas.width)}px`;
    overlay.style.height = `${length(style.height, H, canvas.height)}px`;
    if (odd.fresh || overlay.width !== canvas.width || overlay.height !== canvas.height) {
      odd.fresh = false;
      if (overlay.width !== canvas.width) overlay.width = canvas.width;
      if (overlay.height !== canvas.height) overlay.height = canvas.height;
      overlayContext.clearRect(0, 0, overlay.width, overlay.height);
      overlayContext.drawImage(canvas, 0, 0);
    }
  }

  function frameLoop(time) {
    const state = phone;
    if (state && state.odd && state.main) {
      if (state.odd.ready && !state.odd.inFlight) {
        state.odd.inFlight = true;
        state.odd.port.postMessage({ t: "tick", time });
      }
      placeOverlay(state);
    }
    const text = state && state.main ? state.main.screenText() : null;
    if (text) $("ttminis-screen-text").textContent = text.join("\n");
    requestAnimationFrame(frameLoop);
  }
  requestAnimationFrame(frameLoop);

  // ---------------------------------------------------------------------------- the phone

  const visibility = [];
  document.addEventListener("visibilitychange", () => {
    for (const fn of visibility) fn(document.visibilityState === "visible");
  });

  function startPhone() {
    if (phone) {
      for (const frame of phone.frames) frame.remove();
      if (phone.odd && phone.odd.port) phone.odd.port.close();
    }
    for (const layer of screenEl.querySelectorAll(".tt-dialog-layer")) layer.remove();
    visibility.length = 0;
    overlay.hidden = true;
    lastMainStyle = "";
    mainStyleAt = 0;
    $("ttminis-screen-text").textContent = "";
    $("ttminis-shared-text").textContent = "";
    const state = { frames: [], main: null, odd: null, booted: false };
    phone = state;
    const game = el("iframe", undefined, { src: "/_ttminis/frame/main", title: "main game domain", class: "game-frame",
      "data-testid": "game-frame" });
    game.style.width = `${W}px`;
    game.style.height = `${H}px`;
    screenEl.prepend(game);
    state.frames.push(game);
    if (config.openDataDir) startOpenData(state);
  }

  // What main.js reaches through window.parent: everything it needs from outside its frame.
  window.__ttminisHost = {
    config,
    get user() { return user; },
    systemInfo,
    report,
    log,
    cloud,
    share,
    authorizeOpenContext,
    login: async () => ({ code: `ttminis-login-${encodeURIComponent(user)}-${Date.now().toString(36)}` }),
    authorize: async () => ({ code: `ttminis-authorize-${encodeURIComponent(user)}-${Date.now().toString(36)}` }),
    openData,
    ui,
    onVisibility: (fn) => visibility.push(fn),
    attachMain(main) {
      if (!phone) return;
      phone.main = main;
      if (phone.odd) main.sharedCanvasSize(phone.odd.size.width, phone.odd.size.height);
    },
    booted(error) {
      if (!phone) return;
      phone.booted = true;
      if (error) log(`game.js stopped at start: ${error.message}`);
    },
  };

  // What tests and --screenshot read.
  window.__ttminis = {
    get booted() { return Boolean(phone && phone.booted); },
    get user() { return user; },
    get openDataBooted() { return Boolean(phone && phone.odd && phone.odd.booted); },
    errors: () => problems.filter((p) => p.kind === "error"),
    problems: () => problems.slice(),
    coverage: () => ({ main: phone && phone.main ? phone.main.coverage() : null,
      openData: phone && phone.odd ? phone.odd.coverage : null }),
  };

  // ---------------------------------------------------------------------------- players

  const select = $("player");
  async function loadPlayers() {
    const { users } = await api("GET", "/v1/users");
    const known = Array.from(select.options, (o) => o.value).join("\n");
    if (known === users.map((u) => u.openid).join("\n")) return; // an open list is left alone
    select.replaceChildren();
    for (const u of users) {
      const label = u.nickname === u.openid ? u.openid : `${u.nickname} (${u.openid})`;
      const option = el("option", label, { value: u.openid });
      if (u.openid === user) option.selected = true;
      select.appendChild(option);
    }
  }
  // Players added elsewhere (the dashboard, the API) appear when the list is opened.
  select.addEventListener("focus", () => loadPlayers().catch(() => {}));
  select.addEventListener("change", () => {
    user = select.value;
    const url = new URL(location.href);
    url.searchParams.set("user", user);
    history.replaceState(null, "", url);
    log(`playing as ${user}`);
    startPhone();
  });
  $("restart").addEventListener("click", () => startPhone());

  // ---------------------------------------------------------------------------- lint and live reload

  function showLint(result) {
    const list = $("lint");
    list.replaceChildren();
    const notes = [...(result.notes || [])];
    if (result.error) notes.push(`lint could not run: ${result.error}`);
    for (const note of notes) list.appendChild(el("li", note, { class: "note" }));
    for (const f of result.findings || []) {
      const item = el("li", undefined, { "data-code": f.code, class: f.severity });
      item.appendChild(el("span", `${f.path}:${f.line}:${f.column}`, { class: "where" }));
      item.appendChild(el("span", f.code, { class: "rule" }));
      item.appendChild(el("span", f.message, { class: "message" }));
      list.appendChild(item);
    }
    $("lint-summary").textContent = result.findings ? `${result.findings.length} finding(s)` : "";
  }

  if (config.live) {
    const source = new EventSource("/_ttminis/events");
    source.addEventListener("lint", (e) => showLint(JSON.parse(e.data)));
    source.addEventListener("change", (e) => {
      const { files } = JSON.parse(e.data);
      log(`changed: ${files.join(", ")}: reloading the game`);
      startPhone();
    });
  }

  document.title = `${config.projectName} — ttminis dev`;
  $("project-name").textContent = config.projectName;
  loadPlayers().catch((error) => log(`players: ${error.message}`));
  startPhone();
})();
