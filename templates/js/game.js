// Main game domain: the game itself. It keeps the score, saves the best one to cloud storage and
// drives the friend leaderboard, which only the open data domain ({{open_data_dir}}/) may read
// and draw. Messages go one way, from here to there, as { type: ... } objects.

// Share cards need a publicly reachable https image: put your own here.
const SHARE_IMAGE_URL = 'https://example.com/share-card.png';

const windowInfo = tt.getSystemInfoSync();
const canvas = tt.createCanvas();
canvas.width = windowInfo.windowWidth;
canvas.height = windowInfo.windowHeight;
const ctx = canvas.getContext('2d');

// The platform lays the shared canvas over the game: width/height are its resolution, style
// places it on screen in viewport units (left/width in vw, top/height in vh).
const board = { left: 10, top: 14, width: 80, height: 62 };
const sharedCanvas = tt.getSharedCanvas();
sharedCanvas.width = 600;
sharedCanvas.height = 800;
sharedCanvas.style.left = `${board.left}vw`;
sharedCanvas.style.top = `${board.top}vh`;
sharedCanvas.style.width = `${board.width}vw`;
sharedCanvas.style.height = `${board.height}vh`;

const openData = tt.getOpenDataContext();

let score = 0;
let best = readBest();
let boardVisible = false;
let statusText = 'Tap anywhere to score';

const buttons = [
  { label: 'Friends', action: toggleLeaderboard },
  { label: 'Share', action: shareGame },
];

function readBest() {
  // Local storage keeps the best score across sessions, so a short round never lowers the one
  // friends see; a missing key reads as ''.
  try {
    return Number(tt.getStorageSync('bestScore')) || 0;
  } catch (err) {
    return 0;
  }
}

function errorText(res) {
  if (res && res.error && res.error.error_msg) {
    return res.error.error_msg;
  }
  return (res && res.errMsg) || 'unknown error';
}

function buttonRect(index) {
  const width = canvas.width / buttons.length;
  return { x: index * width + 12, y: canvas.height - 96, w: width - 24, h: 64 };
}

function boardRect() {
  return {
    x: (windowInfo.windowWidth * board.left) / 100,
    y: (windowInfo.windowHeight * board.top) / 100,
    w: (windowInfo.windowWidth * board.width) / 100,
    h: (windowInfo.windowHeight * board.height) / 100,
  };
}

function inside(rect, x, y) {
  return x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
}

function draw() {
  ctx.fillStyle = '#161823';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#ffffff';
  ctx.textAlign = 'center';
  ctx.font = '28px sans-serif';
  ctx.fillText(`Score ${score}   Best ${best}`, canvas.width / 2, 56);
  ctx.font = '18px sans-serif';
  ctx.fillText(statusText, canvas.width / 2, 92);
  buttons.forEach((button, index) => {
    const rect = buttonRect(index);
    ctx.fillStyle = '#fe2c55';
    ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(button.label, rect.x + rect.w / 2, rect.y + rect.h / 2 + 6);
  });
}

function saveBest() {
  best = Math.max(best, score);
  try {
    tt.setStorageSync('bestScore', String(best));
  } catch (err) {
    statusText = 'Best score not kept on this device';
  }
}

function toggleLeaderboard() {
  if (boardVisible) {
    boardVisible = false;
    openData.postMessage({ type: 'hideLeaderboard' });
    return;
  }
  saveBest();
  // Friends' scores need the player's consent (avatar, nickname, friend list); the platform asks
  // only for what is still missing, so asking each time costs nothing once granted.
  tt.authorizeOpenContext({
    success() {
      uploadBestAndShow();
    },
    fail(res) {
      statusText = `No access to friends: ${errorText(res)}`;
      draw();
    },
  });
}

function uploadBestAndShow() {
  // Cloud storage holds strings only; the open data domain reads this key back from friends.
  tt.setUserCloudStorage({
    data: [{ key: 'score', value: String(best) }],
    success() {
      statusText = 'Tap a friend to challenge them';
      showLeaderboard();
    },
    fail(res) {
      statusText = `Score not uploaded: ${errorText(res)}`;
      showLeaderboard();
    },
  });
}

function showLeaderboard() {
  boardVisible = true;
  openData.postMessage({ type: 'showLeaderboard' });
  draw();
}

function shareGame() {
  // shareAppMessage needs client 40.3.0 or later.
  if (tt.canIUse('shareAppMessage')) {
    tt.shareAppMessage({
      title: `I scored ${best}. Can you beat me?`,
      imageUrl: SHARE_IMAGE_URL,
      success() {
        statusText = 'Shared!';
        draw();
      },
      fail(res) {
        statusText = `Not shared: ${errorText(res)}`;
        draw();
      },
    });
  } else {
    statusText = 'Update TikTok to share';
    draw();
  }
}

// The open data domain receives no touches of its own: taps on the leaderboard are passed on in
// shared-canvas pixels.
function forwardTap(x, y) {
  const rect = boardRect();
  openData.postMessage({
    type: 'tap',
    x: ((x - rect.x) / rect.w) * sharedCanvas.width,
    y: ((y - rect.y) / rect.h) * sharedCanvas.height,
  });
}

tt.onTouchStart((event) => {
  const touch = event.touches[0];
  if (!touch) {
    return;
  }
  const hit = buttons.findIndex((button, index) => inside(buttonRect(index), touch.clientX, touch.clientY));
  if (hit >= 0) {
    buttons[hit].action();
  } else if (boardVisible && inside(boardRect(), touch.clientX, touch.clientY)) {
    forwardTap(touch.clientX, touch.clientY);
  } else {
    score += 1;
  }
  draw();
});

draw();
