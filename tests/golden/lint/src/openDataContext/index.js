tt.onMessage((data) => {
  switch (data.command) {
    case 'rank': break;
  }
});
