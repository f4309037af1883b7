// Seed: shared/seeds/000_904c6604f71eca5d.txt (and the same code in
// 001_3166570801ce2700.txt), Soundlinks data token, Node.js.
// Changes from the seed text: APP_ID and APP_SECRET come from the environment
// (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders; mtd, url and arg
// come from KEYWARD_METHOD, KEYWARD_URL and KEYWARD_ARG (JSON) when set, and are
// the seed's own values otherwise.
// Fix: the seed builds the token but never outputs it; it is printed.
const jwt = require("jsonwebtoken");
const APP_ID = process.env.KEYWARD_KEY;
const APP_SECRET = process.env.KEYWARD_SECRET;

// Sign the payload
const token = jwt.sign({
    iss: APP_ID,
    iat: Math.floor(Date.now() / 1000),
    mtd: process.env.KEYWARD_METHOD || 'POST',
    url: process.env.KEYWARD_URL || '/v3/sl/encoding',
    arg: process.env.KEYWARD_ARG ? JSON.parse(process.env.KEYWARD_ARG) : { src: 'https://example.com/song.mp3' },
}, APP_SECRET);
console.log(token);
