// Verifies one token with jsonwebtoken, HS256 only: the token is read from
// standard input, the secret from KEYWARD_SECRET. Prints the claims as JSON and
// exits 0 when the token is valid; prints the library's error on stderr and
// exits 1 otherwise.
const jwt = require("jsonwebtoken");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  try {
    const claims = jwt.verify(input.trim(), process.env.KEYWARD_SECRET, { algorithms: ["HS256"] });
    process.stdout.write(JSON.stringify(claims) + "\n");
  } catch (err) {
    process.stderr.write("jsonwebtoken: " + err.name + ": " + err.message + "\n");
    process.exit(1);
  }
});
