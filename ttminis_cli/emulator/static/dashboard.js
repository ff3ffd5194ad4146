// The emulator's dashboard: polls /v1/export (a 304 while nothing changed) and renders users,
// the chosen user's storage and inbox, and a friends leaderboard read through the real
// getFriendCloudStorage endpoint. Every change it makes goes through the same HTTP API as any
// client's. Stored values are untrusted text: only textContent, never HTML.
"use strict";

const POLL_MS = 1000;
const MAX_ROWS = 500; // a 100k-user state is rendered in part; the API has all of it
let state = null;
let etag = null;
let selected = null;
let projectKeys = []; // the keys the game's code reads (GET /v1/project)

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function row(cells, attrs) {
  const tr = el("tr", undefined, attrs);
  for (const cell of cells) {
    const td = el("td", typeof cell === "string" ? cell : undefined);
    if (typeof cell !== "string") td.appendChild(cell);
    tr.appendChild(td);
  }
  return tr;
}

const userPath = (openid) => `/v1/users/${encodeURIComponent(openid)}`;

// One change through the API; a refusal shows the emulator's own message. Then the page catches up.
async function change(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let ok = false;
  try {
    const response = await fetch(path, options);
    const answer = await response.json();
    ok = response.ok;
    showError(ok ? "" : answer.error.message);
  } catch (error) {
    showError(`cannot reach the emulator (${error.message})`);
  }
  await load();
  return ok;
}

function showError(text) {
  const node = document.getElementById("error");
  node.textContent = text;
  node.hidden = !text;
}

async function load() {
  try {
    const response = await fetch("/v1/export", { headers: etag ? { "If-None-Match": etag } : {} });
    if (response.status === 200) {
      etag = response.headers.get("ETag");
      state = await response.json();
      render();
      await renderBoard();
    } else if (response.status !== 304) {
      throw new Error(`HTTP ${response.status}`);
    }
    setStatus(`live · change ${etag ? etag.replaceAll('"', "") : "?"}`);
  } catch (error) {
    setStatus(`cannot reach the emulator (${error.message}); retrying`);
  }
}

async function poll() {
  await load();
  setTimeout(poll, POLL_MS);
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

function friendsOf(openid) {
  return state.friendships.filter((pair) => pair.includes(openid)).map((pair) => (pair[0] === openid ? pair[1] : pair[0]));
}

function render() {
  const users = document.getElementById("users");
  users.replaceChildren();
  for (const user of state.users.slice(0, MAX_ROWS)) {
    const keys = Object.keys(state.storage[user.openid] || {});
    const tr = row([user.openid, user.nickname, friendsOf(user.openid).join(", "), String(keys.length)],
                   { "data-openid": user.openid });
    if (user.openid === selected) tr.className = "selected";
    tr.addEventListener("click", () => select(user.openid));
    users.appendChild(tr);
  }
  document.getElementById("user-count").textContent = `(${state.users.length})`;
  const more = document.getElementById("users-more");
  more.hidden = state.users.length <= MAX_ROWS;
  more.textContent = `Showing ${MAX_ROWS} of ${state.users.length}; GET /v1/users lists all.`;

  const stored = new Set(Object.values(state.storage).flatMap((pairs) => Object.keys(pairs)));
  const known = [...new Set([...projectKeys, ...[...stored].sort()])];
  document.getElementById("known-keys").replaceChildren(...known.map((k) => el("option", undefined, { value: k })));
  const boardKey = document.getElementById("board-key");
  if (!boardKey.value && known.length) boardKey.value = known[0];

  if (selected && !state.users.some((u) => u.openid === selected)) selected = null;
  if (!selected && state.users.length) selected = state.users[0].openid;
  renderUser();
}

function renderUser() {
  const section = document.getElementById("user-section");
  section.hidden = !selected;
  if (!selected) return;
  const user = state.users.find((u) => u.openid === selected);
  document.getElementById("user-name").textContent = `${user.nickname} (${user.openid})`;

  const friends = new Set(friendsOf(selected));
  const others = state.users.filter((u) => u.openid !== selected && !friends.has(u.openid)).slice(0, MAX_ROWS);
  document.getElementById("friend-choice").replaceChildren(
    ...others.map((u) => el("option", `${u.nickname} (${u.openid})`, { value: u.openid })));
  document.getElementById("friend-form").hidden = others.length === 0;

  const pairs = Object.entries(state.storage[selected] || {});
  document.getElementById("storage").replaceChildren(...pairs.map(([k, v]) => {
    const remove = el("button", "delete", { type: "button", "aria-label": `delete ${k}` });
    remove.addEventListener("click", () => change("POST", `${userPath(selected)}/storage:remove`, { keyList: [k] }));
    return row([k, v, remove], { "data-key": k });
  }));
  document.getElementById("storage-empty").hidden = pairs.length > 0;
  const received = state.shares.filter((s) => s.to === selected).reverse();
  document.getElementById("inbox").replaceChildren(...received.map((s) =>
    el("li", `${s.createdAt.slice(0, 19).replace("T", " ")} · from ${s.from} · ${s.title || "(no title)"}`)));
  document.getElementById("inbox-empty").hidden = received.length > 0;
  document.getElementById("clear-inbox").hidden = received.length === 0;
  const keyName = document.getElementById("set-key-name");
  keyName.placeholder = projectKeys[0] || "key";
}

function select(openid) {
  selected = openid;
  render();
  renderBoard();
}

const numeric = (value) => value.trim() !== "" && Number.isFinite(Number(value));

async function renderBoard() {
  const key = document.getElementById("board-key").value.trim();
  const board = document.getElementById("board");
  const note = document.getElementById("board-note");
  if (!selected || !key) {
    board.replaceChildren();
    note.textContent = "Choose a key to rank the user and their friends.";
    return;
  }
  const response = await fetch(`${userPath(selected)}/friends/storage?keys=${encodeURIComponent(key)}`);
  const body = await response.json();
  if (!response.ok) {
    board.replaceChildren();
    note.textContent = body.error.message;
    return;
  }
  const entries = body.data.map((item) => ({ item, value: item.KVDataList.find((kv) => kv.key === key).value }));
  const allNumbers = entries.every((e) => numeric(e.value));
  entries.sort(allNumbers ? (a, b) => Number(b.value) - Number(a.value) : (a, b) => b.value.localeCompare(a.value));
  board.replaceChildren(...entries.map(({ item, value }) => {
    const li = el("li", `${item.nickname} (${item.openid})`, { "data-openid": item.openid });
    li.appendChild(el("span", value, { class: "value" }));
    return li;
  }));
  note.textContent = entries.length
    ? `${entries.length} ranked by ${key}${allNumbers ? " (numeric)" : " (text)"}; friends without ${key} are left out.`
    : `Nobody among ${selected} and their friends has stored ${key}.`;
}

function onSubmit(id, handler) {
  const form = document.getElementById(id);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await handler(new FormData(form))) form.reset();
  });
}

onSubmit("board-form", async () => {
  await renderBoard();
  return false;
});
onSubmit("add-user-form", async (form) => {
  const openid = form.get("openid").trim();
  const nickname = form.get("nickname").trim();
  const ok = await change("PUT", userPath(openid), nickname ? { nickname } : {});
  if (ok) select(openid);
  return ok;
});
onSubmit("friend-form", (form) => change("PUT", `${userPath(selected)}/friends/${encodeURIComponent(form.get("other"))}`));
onSubmit("set-key-form", (form) =>
  change("POST", `${userPath(selected)}/storage`, { data: [{ key: form.get("key"), value: form.get("value") }] }));
document.getElementById("clear-inbox").addEventListener("click", () => change("DELETE", `${userPath(selected)}/inbox`));
document.getElementById("remove-user").addEventListener("click", () => {
  if (window.confirm(`Remove ${selected} with their storage, friendships and shares?`)) {
    change("DELETE", userPath(selected));
  }
});

async function start() {
  try {
    const response = await fetch("/v1/project");
    if (response.ok) projectKeys = (await response.json()).readKeys;
  } catch (error) {
    // the first poll reports an emulator that cannot be reached
  }
  poll();
}
start();
