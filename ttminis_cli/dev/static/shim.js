// What both simulated domains share: the platform object built from the one API table, the
// platform's failure shapes, and the CommonJS loader. Loaded first into each domain's own realm
// (the game frame and the open data frame), so every object it makes belongs to that realm.
"use strict";

(function (global) {
  // Not simulated: the page answers with a warning and, for callback APIs, a `fail`. Every other
  // member of the table is implemented by main.js or opendata.js (tests/test_dev_shim.py checks).
  const NOT_SIMULATED = ["getFileSystemManager", "checkBalance", "recharge", "pay", "navigateToBalance"];

  // Synthetic error codes (the platform documents none for these cases): `error.error_code`.
  const CODES = {
    wrongDomain: 10101, // called in the domain that lacks it (the rule that catches it is in the message)
    notSimulated: 10102,
    invalid: 10103, // an argument the platform would refuse before sending anything
    declined: 10200, // the player declined the consent prompt, or has not been asked yet
    failed: 10600, // anything else: the network, an error inside the simulator
  };
  // Members shim.js itself provides in both domains.
  const SHARED_MEMBERS = ["canIUse"];

  // Realm-local copies, taken before any game code can replace a global.
  const JSONparse = JSON.parse;
  const JSONstringify = JSON.stringify;
  const reportError = global.reportError.bind(global);

  class PlatformError extends Error {
    constructor(message, code, extra) {
      super(message);
      this.name = "PlatformError";
      this.code = code;
      this.extra = extra || {};
    }
  }

  function failure(api, error) {
    const message = error && error.message ? error.message : String(error);
    const code = error && typeof error.code === "number" ? error.code : CODES.failed;
    return {
      errMsg: `${api}:fail ${message}`,
      error: { error_code: code, error_msg: message, error_extra: local((error && error.extra) || {}) },
    };
  }

  // Data from the host page, re-made with this realm's JSON: `instanceof Array` holds in game code.
  // Objects of this realm (an ArrayBuffer a request read, a structured clone) stay as they are.
  function local(value) {
    if (value === undefined || value === null || typeof value !== "object" || value instanceof Object) return value;
    return JSONparse(JSONstringify(value));
  }

  // A fresh copy of plain data (what sync getters return: the game may change it).
  function copy(value) {
    return JSONparse(JSONstringify(value));
  }

  // A game callback that throws is an uncaught error of the game, as on a phone; the rest still run.
  function invoke(fn, arg) {
    if (typeof fn !== "function") return;
    try {
      fn(arg);
    } catch (error) {
      reportError(error);
    }
  }

  // Callback APIs that return a task object (request, downloadFile, …) handle their callbacks
  // themselves with `callbackMember` and are marked raw so buildPlatform does not wrap them again.
  const RAW = new WeakSet();
  function raw(fn) {
    RAW.add(fn);
    return fn;
  }

  function callbackMember(name, run) {
    return function (options) {
      const opts = options || {};
      const callbacks = typeof opts.success === "function" || typeof opts.fail === "function" ||
        typeof opts.complete === "function";
      let result;
      try {
        result = Promise.resolve(run(opts));
      } catch (error) {
        result = Promise.reject(error);
      }
      const settled = result.then(
        (value) => {
          const res = Object.assign({ errMsg: `${name}:ok` }, local(value));
          invoke(opts.success, res);
          invoke(opts.complete, res);
          return res;
        },
        (error) => {
          const res = failure(name, error);
          invoke(opts.fail, res);
          invoke(opts.complete, res);
          if (!callbacks) throw res;
          return res;
        });
      // Without callbacks the call is a promise, as WeChat's newer APIs are; with them it is nothing.
      return callbacks ? undefined : settled;
    };
  }

  // `report(kind, detail)` tells the host page; `domain` is "main" or "open-data".
  function buildPlatform({ domain, table, impl, report, openDataDir }) {
    const platform = {};
    const warned = new Set();
    const hereDomain = (api) => api.domain === "both" || api.domain === domain;

    function wrongDomain(api) {
      const rule = api.rule;
      const where = openDataDir ? `the open data domain (${openDataDir}/)` : "the open data domain";
      let text;
      if (rule === "TTM101") {
        text = `${api.name} runs only in ${where}, not in the main domain; ask for it with ` +
          "getOpenDataContext().postMessage({ type: … })";
      } else if (rule === "TTM105") {
        text = "the open data domain cannot post messages to the main domain (messages go main → open data only)";
      } else if (rule === "TTM102") {
        text = `${api.name} is a main-domain API: ${where} does not have it; call it from game.js`;
      } else {
        text = `${api.name} (${api.family}) is not available in ${where}; do it in the main domain and post ` +
          "the result";
      }
      const message = `${text} [${rule} ${api.ruleName}]`;
      const tell = () => report("wrong-domain", { api: api.name, rule, message, stack: new Error(message).stack });
      if (api.style === "callback") {
        return callbackMember(api.name, () => {
          tell();
          throw new PlatformError(message, CODES.wrongDomain, { rule });
        });
      }
      if (api.style === "property") return undefined;
      return function () {
        tell();
        throw new PlatformError(message, CODES.wrongDomain, { rule });
      };
    }

    function notSimulated(api) {
      const message = `${api.name} is not simulated by ttminis dev`;
      const warn = () => {
        if (!warned.has(api.name)) {
          warned.add(api.name);
          report("not-simulated", { api: api.name, message });
        }
      };
      if (api.style === "callback") {
        return callbackMember(api.name, () => {
          warn();
          throw new PlatformError(message, CODES.notSimulated);
        });
      }
      if (api.style === "property") return undefined;
      if (api.style === "factory") {
        return function () {
          warn();
          return new Proxy({}, { get: (target, key) => (typeof key === "string" ? warn : undefined) });
        };
      }
      return function () {
        warn();
      };
    }

    for (const api of table) {
      let member;
      if (!hereDomain(api)) member = wrongDomain(api);
      else if (Object.prototype.hasOwnProperty.call(impl, api.name)) {
        const given = impl[api.name];
        member = api.style === "callback" && !RAW.has(given) ? callbackMember(api.name, given) : given;
      } else member = notSimulated(api);
      Object.defineProperty(platform, api.name,
        { value: member, writable: true, configurable: true, enumerable: true });
    }
    platform.canIUse = function (schema) {
      const name = String(schema || "").split(".")[0];
      const api = table.find((a) => a.name === name);
      return Boolean(api && hereDomain(api));
    };
    return platform;
  }

  // Which table members a domain's implementation covers: tests compare it with the table.
  function coverage(table, domain, impl) {
    const out = { implemented: [], notSimulated: [], missing: [] };
    for (const api of table) {
      if (api.domain !== "both" && api.domain !== domain) continue;
      const implemented = Object.prototype.hasOwnProperty.call(impl, api.name) || SHARED_MEMBERS.includes(api.name);
      if (implemented) out.implemented.push(api.name);
      else if (NOT_SIMULATED.includes(api.name)) out.notSimulated.push(api.name);
      else out.missing.push(api.name);
    }
    return out;
  }

  // ------------------------------------------------------------------------------ CommonJS loader

  // `files`: path -> source of this domain. `inject(code)` runs a script in this realm and returns
  // the error it raised while parsing (or null); modules are compiled on first `require`.
  function createLoader({ files, inject, urlOf }) {
    const cache = Object.create(null);
    const factories = Object.create(null);
    Object.defineProperty(global, "__ttmDefine", {
      value: (path, factory) => { factories[path] = factory; },
      configurable: true,
    });

    function normalize(parts) {
      const out = [];
      for (const part of parts) {
        if (part === "" || part === ".") continue;
        if (part === "..") out.pop();
        else out.push(part);
      }
      return out.join("/");
    }

    function dirname(path) {
      const i = path.lastIndexOf("/");
      return i < 0 ? "" : path.slice(0, i);
    }

    function candidates(base) {
      return [base, `${base}.js`, `${base}/index.js`];
    }

    function resolve(from, spec) {
      if (typeof spec !== "string" || spec === "") {
        throw new TypeError(`require needs a module path, got ${String(spec)}`);
      }
      const roots = spec.startsWith("/") ? [""] : spec.startsWith(".") ? [dirname(from)]
        : [dirname(from), "", "miniprogram_npm", "node_modules"]; // WeChat resolves bare paths relative first
      for (const root of roots) {
        for (const candidate of candidates(normalize(`${root}/${spec}`.split("/")))) {
          if (Object.prototype.hasOwnProperty.call(files, candidate)) return candidate;
        }
      }
      const error = new Error(`Cannot find module '${spec}' from ${from || "the package root"}` +
        " (the simulator runs the project's .js files; a module in the other domain cannot be required)");
      error.code = "MODULE_NOT_FOUND";
      throw error;
    }

    function compile(path) {
      const source = files[path];
      // The wrapper shares the module's first line, so its line numbers are the file's.
      const code = `__ttmDefine(${JSONstringify(path)}, ` +
        `function (require, module, exports, __filename, __dirname, __ttm) {${source}\n});\n` +
        `//# sourceURL=${urlOf(path)}`;
      const parseError = inject(code, path);
      if (!factories[path]) {
        const error = new SyntaxError(`${path} does not parse: ${parseError || "syntax error"}`);
        error.reported = true; // the browser reported the parse error itself
        throw error;
      }
      return factories[path];
    }

    function helpers(localRequire) {
      return {
        d: (m) => (m && m.__esModule ? m.default : m),
        ns: (m) => (m && m.__esModule ? m : Object.assign({}, m, { default: m })),
        get: (exports, name, read) => Object.defineProperty(exports, name,
          { enumerable: true, configurable: true, get: read }),
        star: (exports, m) => {
          for (const key of Object.keys(m || {})) {
            if (key !== "default" && !Object.prototype.hasOwnProperty.call(exports, key)) {
              Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => m[key] });
            }
          }
        },
        load: (spec) => new Promise((resolveLoad) => resolveLoad(localRequire(spec))).then(
          (m) => (m && m.__esModule ? m : Object.assign({}, m, { default: m }))),
      };
    }

    function load(path) {
      if (cache[path]) return cache[path].exports;
      const module = { id: path, filename: path, exports: {}, loaded: false };
      cache[path] = module;
      const localRequire = (spec) => load(resolve(path, spec));
      try {
        const factory = compile(path);
        factory.call(module.exports, localRequire, module, module.exports, path, dirname(path),
          helpers(localRequire));
      } catch (error) {
        delete cache[path];
        throw error;
      }
      module.loaded = true;
      return module.exports;
    }

    return { require: (spec) => load(resolve("", spec)) };
  }

  // Instruments one 2D context: every drawing call tells `onDraw` (the open data domain sends only
  // frames that changed), and the text drawn since the canvas was last cleared whole is kept, so
  // the page can offer it to screen readers and tests can read what a canvas shows.
  const QUERIES = new Set(["getImageData", "isPointInPath", "isPointInStroke", "measureText", "getTransform",
    "getLineDash", "getContextAttributes", "createLinearGradient", "createRadialGradient", "createConicGradient",
    "createPattern", "createImageData", "isContextLost", "constructor"]);
  const MAX_TEXT = 200;
  function traceContext(context, onDraw) {
    const trace = { text: [], changed: false };
    const covers = (args) => {
      const canvas = context.canvas;
      const [x, y, w, h] = args.map(Number);
      return x <= 0 && y <= 0 && x + w >= canvas.width && y + h >= canvas.height;
    };
    const proto = Object.getPrototypeOf(context);
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor.value !== "function" || QUERIES.has(name)) continue;
      const original = descriptor.value;
      const wrapped = function (...args) {
        onDraw();
        if ((name === "clearRect" || name === "fillRect") && covers(args) && context.getTransform().isIdentity) {
          trace.text = [];
          trace.changed = true;
        } else if ((name === "fillText" || name === "strokeText") && trace.text.length < MAX_TEXT) {
          trace.text.push(String(args[0]));
          trace.changed = true;
        }
        return original.apply(context, args);
      };
      Object.defineProperty(context, name, { configurable: true, writable: true, value: wrapped });
    }
    return trace;
  }

  // Every uncaught error and rejection of this realm, told to the host page. This and the injector
  // are set up by each runtime before any game code runs, with the DOM's own functions.
  function reportUncaught(report) {
    const listen = EventTarget.prototype.addEventListener.bind(global);
    listen("error", (e) => {
      report("error", { message: e.message, stack: e.error && e.error.stack, filename: e.filename, line: e.lineno,
        column: e.colno });
    });
    listen("unhandledrejection", (e) => {
      const reason = e.reason;
      report("error", { message: `Uncaught (in promise) ${reason && reason.errMsg ? reason.errMsg : reason}`,
        stack: reason && reason.stack });
    });
  }

  // Runs a module's code as a script of this realm (so the browser reports its errors with their
  // file and line); returns the parse error, or null. `nonce` where a policy asks for one.
  function scriptInjector(nonce) {
    const listen = EventTarget.prototype.addEventListener.bind(global);
    const unlisten = EventTarget.prototype.removeEventListener.bind(global);
    const createElement = Document.prototype.createElement.bind(document);
    const append = Node.prototype.appendChild.bind(document.head);
    const remove = Node.prototype.removeChild.bind(document.head);
    return function inject(code, path) {
      let parseError = null;
      const onParseError = (e) => { parseError = `${e.message} (${path}:${e.lineno}:${e.colno})`; };
      listen("error", onParseError);
      const script = createElement("script");
      if (nonce) script.nonce = nonce;
      script.textContent = code;
      append(script);
      remove(script);
      unlisten("error", onParseError);
      return parseError;
    };
  }

  // The shared canvas as one domain sees it: a canvas of this realm whose size and style are own
  // properties (an adapter that rewires the canvas prototype cannot take them away). A size the
  // game sets calls `resized(width, height)`; `setSize` applies the other domain's, silently.
  function sharedCanvas(resized) {
    const canvas = Document.prototype.createElement.call(document, "canvas");
    const size = {
      width: Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, "width"),
      height: Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, "height"),
    };
    const read = () => [size.width.get.call(canvas), size.height.get.call(canvas)];
    for (const side of ["width", "height"]) {
      Object.defineProperty(canvas, side, {
        configurable: true,
        get: () => size[side].get.call(canvas),
        set: (value) => {
          size[side].set.call(canvas, value);
          resized(...read());
        },
      });
    }
    const style = {};
    Object.defineProperty(canvas, "style", { configurable: true, value: style });
    function setSize(width, height) {
      const [w, h] = read();
      if (w !== width) size.width.set.call(canvas, width);
      if (h !== height) size.height.set.call(canvas, height);
      return w !== width || h !== height;
    }
    return { canvas, style, setSize };
  }

  // createImage for one realm: an <img> whose `src` reads back what the game set, while
  // `load(value, show, fail)` decides what the element really loads (a project URL, or bytes the
  // page handed over).
  function imageFactory(load) {
    const createElement = Document.prototype.createElement.bind(document);
    const realSrc = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
    return function createImage() {
      const image = createElement("img");
      let given = "";
      Object.defineProperty(image, "src", {
        configurable: true,
        get: () => given,
        set: (value) => {
          given = value;
          load(value, (url) => { if (given === value) realSrc.set.call(image, url); },
            () => { if (given === value) image.dispatchEvent(new Event("error")); });
        },
      });
      return image;
    };
  }

  // loadFont for one realm: a FontFace from `source(path)` (a url() or the font's bytes) under a
  // family named after the file, returned at once as the platform returns it.
  function fontLoader(source, report) {
    const RealFontFace = global.FontFace;
    const fonts = document.fonts;
    let count = 0;
    return function loadFont(path) {
      if (typeof path !== "string" || !path) return null;
      count += 1;
      const family = path.split("/").pop().replace(/\.[^.]*$/, "").replace(/[^\w-]/g, "") || `font${count}`;
      Promise.resolve(path).then(source).then((src) => {
        const face = new RealFontFace(family, src);
        fonts.add(face);
        return face.load();
      }).catch(() => report("warning", { message: `loadFont: ${path} could not be loaded` }));
      return family;
    };
  }

  // on<Name>/off<Name> members for each name, over one listener registry.
  function pairs(events, names) {
    const members = {};
    for (const name of names) {
      members[`on${name}`] = events.on(name);
      members[`off${name}`] = events.off(name);
    }
    return members;
  }
  const TOUCH_EVENTS = ["TouchStart", "TouchMove", "TouchEnd", "TouchCancel"];

  // Touch objects and events in the platform's shape: touches, changedTouches, timeStamp.
  function touchEvent(touches, changed, timeStamp) {
    const copy = (t) => ({ identifier: t.identifier, clientX: t.clientX, clientY: t.clientY, pageX: t.clientX,
      pageY: t.clientY, screenX: t.clientX, screenY: t.clientY, force: t.force === undefined ? 1 : t.force });
    return { touches: touches.map(copy), changedTouches: changed.map(copy), timeStamp };
  }

  // Listener registries for on…/off… pairs (onTouchStart/offTouchStart, onShow/offShow, …).
  function listeners() {
    const sets = Object.create(null);
    return {
      on: (type) => (fn) => { if (typeof fn === "function") (sets[type] = sets[type] || []).push(fn); },
      off: (type) => (fn) => {
        if (!sets[type]) return;
        sets[type] = fn === undefined ? [] : sets[type].filter((f) => f !== fn);
      },
      emit: (type, arg) => { for (const fn of (sets[type] || []).slice()) invoke(fn, arg); },
    };
  }

  global.__ttminisShim = Object.freeze({
    CODES, PlatformError, copy, invoke, raw, callbackMember, buildPlatform, coverage, createLoader, touchEvent,
    listeners, traceContext, reportUncaught, scriptInjector, pairs, TOUCH_EVENTS, imageFactory, fontLoader,
    sharedCanvas,
  });
})(self);
