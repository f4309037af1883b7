// Prints atlassian-jwt's canonical request and query string hash for each
// request in a JSON list of {"method": M, "url": U} read from standard input,
// as a JSON list of {"canonical": C, "qsh": H} in the same order. Each request
// goes through fromMethodAndUrl, as an add-on's client would build it.
const atlassian = require("atlassian-jwt");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(({ method, url }) => {
    const req = atlassian.fromMethodAndUrl(method, url);
    return {
      canonical: atlassian.createCanonicalRequest(req, false, ""),
      qsh: atlassian.createQueryStringHash(req, false, ""),
    };
  });
  process.stdout.write(JSON.stringify(out) + "\n");
});
