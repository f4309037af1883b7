// A signal-socket client on npm ws, for keyward's rooms tests. It connects
// to KEYWARD_RTC_URL with the token KEYWARD_TOKEN in the Authorization
// header, prints every frame it receives as one line on stdout, sends every
// line of stdin as a text frame, and on close prints
// {"type":"closed","code":N,"reason":"…"} and exits. A refused upgrade
// prints {"type":"refused","status":N,"body":"…"}.
const WebSocket = require("ws");
const readline = require("readline");

const ws = new WebSocket(process.env.KEYWARD_RTC_URL, {
  headers: { Authorization: "Bearer " + process.env.KEYWARD_TOKEN },
});
ws.on("unexpected-response", (req, res) => {
  let body = "";
  res.on("data", (d) => (body += d));
  res.on("end", () => {
    console.log(JSON.stringify({ type: "refused", status: res.statusCode, body: body }));
    process.exit(0);
  });
});
ws.on("message", (data) => console.log(data.toString()));
ws.on("close", (code, reason) => {
  console.log(JSON.stringify({ type: "closed", code: code, reason: reason.toString() }));
  process.exit(0);
});
ws.on("error", (err) => {
  console.log(JSON.stringify({ type: "failed", message: err.message }));
  process.exit(1);
});
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (ws.readyState === WebSocket.OPEN) ws.send(line);
});
