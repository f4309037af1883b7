// Seed: shared/seeds/004_53ba05a31d6f03f5.txt, VideoSDK access token, Node.js tab.
// Changes from the seed text: API_KEY and SECRET_KEY come from the environment
// (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders; the payload gains
// the two fields a join needs: permissions and version 2. The token names no
// room and no participant: the client gives them when it joins
// (/rtc?room=ROOM&participant=ID).
var jwt = require("jsonwebtoken");
var uuid4 = require("uuid4");

// Need to generate from app.videosdk.live
const API_KEY = process.env.KEYWARD_KEY;
const SECRET_KEY = process.env.KEYWARD_SECRET;

jwt.sign(
  {
    apikey: API_KEY,
    permissions: ["allow_join"],
    version: 2,
  },
  SECRET_KEY,
  {
    algorithm: "HS256",
    expiresIn: "24h",
    jwtid: uuid4(),
  },
  function (err, token) {
    console.log(token);
  }
);
