// The main domain of a tiny game.
const g = TTMinis.game;
function share() {
	g.shareToUser({ openid: 'x', imageUrl: 'https://example.com/a.png' });
}
export const bundle = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + tt.shareAppMessage({ imageUrl: 'https://example.com/b.png' });
