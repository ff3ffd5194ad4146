// Open data domain: the only place that may read friends' data and message a friend. It draws on
// the shared canvas that game.js places over the game, and acts only on the messages game.js
// posts: showLeaderboard, hideLeaderboard and tap.

// Share cards need a publicly reachable https image: put your own here.
const CHALLENGE_IMAGE_URL = 'https://example.com/challenge-card.png';
const MAX_ROWS = 8;
const HEADER_HEIGHT = 96;
const ROW_HEIGHT = 80;

const sharedCanvas = tt.getSharedCanvas();
const board = sharedCanvas.getContext('2d');

let rows = [];
let visible = false;
let note = '';

tt.onMessage((message) => {
  switch (message.type) {
    case 'showLeaderboard':
      visible = true;
      note = 'Loading…';
      render();
      loadFriends();
      break;
    case 'hideLeaderboard':
      visible = false;
      render();
      break;
    case 'tap':
      if (visible) {
        challengeRow(Math.floor((message.y - HEADER_HEIGHT) / ROW_HEIGHT));
      }
      break;
    default:
      break;
  }
});

function errorText(res) {
  if (res && res.error && res.error.error_msg) {
    return res.error.error_msg;
  }
  return (res && res.errMsg) || 'unknown error';
}

// Friends' values are strings ({ key, value } pairs in KVDataList); a friend without a valid
// score ranks last instead of breaking the board.
function scoreOf(friend) {
  const entry = (friend.KVDataList || []).find((pair) => pair.key === 'score');
  const value = entry ? Number(entry.value) : 0;
  return Number.isFinite(value) ? value : 0;
}

function loadFriends() {
  tt.getFriendCloudStorage({
    keyList: ['score'],
    success(res) {
      rows = (res.data || [])
        .map((friend) => ({ openid: friend.openid, nickname: friend.nickname, score: scoreOf(friend) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, MAX_ROWS);
      note = rows.length ? 'Tap a friend to challenge them' : 'No friends have played yet';
      render();
    },
    fail(res) {
      rows = [];
      note = `Could not load friends: ${errorText(res)}`;
      render();
    },
  });
}

function challengeRow(index) {
  const friend = rows[index];
  if (!friend) {
    return;
  }
  tt.shareToUser({
    openid: friend.openid,
    title: `Beat my score of ${friend.score}?`,
    imageUrl: CHALLENGE_IMAGE_URL,
    templateType: 1,
    success() {
      note = `Challenge sent to ${friend.nickname}`;
      render();
    },
    fail(res) {
      note = `Not sent: ${errorText(res)}`;
      render();
    },
  });
}

function render() {
  board.clearRect(0, 0, sharedCanvas.width, sharedCanvas.height);
  if (!visible) {
    return;
  }
  board.fillStyle = 'rgba(22, 24, 35, 0.92)';
  board.fillRect(0, 0, sharedCanvas.width, sharedCanvas.height);
  board.fillStyle = '#ffffff';
  board.textAlign = 'center';
  board.font = '36px sans-serif';
  board.fillText('Friends', sharedCanvas.width / 2, 52);
  board.font = '22px sans-serif';
  board.fillText(note, sharedCanvas.width / 2, 84);
  board.font = '28px sans-serif';
  rows.forEach((friend, index) => {
    const y = HEADER_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2 + 10;
    board.textAlign = 'left';
    board.fillText(`${index + 1}. ${friend.nickname}`, 32, y);
    board.textAlign = 'right';
    board.fillText(String(friend.score), sharedCanvas.width - 32, y);
  });
}
