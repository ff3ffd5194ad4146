// The emulator's dashboard: polls /v1/export (a 304 while nothing changed) and renders users,
// the chosen user's storage and inbox, and a friends leaderboard read through the real
// getFriendCloudStorage endpoint. Stored values are untrusted text: only textContent, never HTML.
"use strict";

const POLL_MS = 1000;
const MAX_ROWS = 500; // a 100k-user state is rendered in part; the API has all of it
let state = null;
let etag = null;
let selected = null;

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function row(cells, attrs) {
  const tr = el("tr", undefined, attrs);
  for (const cell of cells) tr.appendChild(el("td", cell));
  return tr;
}

async function poll() {
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

  const known = new Set(Object.values(state.storage).flatMap((pairs) => Object.keys(pairs)));
  document.getElementById("known-keys").replaceChildren(...[...known].sort().map((k) => el("option", undefined, { value: k })));
  const boardKey = document.getElementById("board-key");
  if (!boardKey.value && known.size) boardKey.value = [...known].sort()[0];

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
  const pairs = Object.entries(state.storage[selected] || {});
  document.getElementById("storage").replaceChildren(...pairs.map(([k, v]) => row([k, v], { "data-key": k })));
  document.getElementById("storage-empty").hidden = pairs.length > 0;
  const received = state.shares.filter((s) => s.to === selected).reverse();
  document.getElementById("inbox").replaceChildren(...received.map((s) =>
    el("li", `${s.createdAt.slice(0, 19).replace("T", " ")} · from ${s.from} · ${s.title || "(no title)"}`)));
  document.getElementById("inbox-empty").hidden = received.length > 0;
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
  const url = `/v1/users/${encodeURIComponent(selected)}/friends/storage?keys=${encodeURIComponent(key)}`;
  const response = await fetch(url);
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

document.getElementById("board-form").addEventListener("submit", (event) => {
  event.preventDefault();
  renderBoard();
});
poll();
