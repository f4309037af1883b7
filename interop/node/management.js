// Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms management token, Node.js tab.
// Changes from the seed text: app_access_key and app_secret come from the
// environment (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders. The
// sample itself needs no fix.
var jwt = require('jsonwebtoken');
var uuid4 = require('uuid4');
var app_access_key = process.env.KEYWARD_KEY;
var app_secret = process.env.KEYWARD_SECRET;
jwt.sign(
  {
    access_key: app_access_key,
    type: 'management',
    version: 2,
    iat: Math.floor(Date.now() / 1000),
    nbf: Math.floor(Date.now() / 1000)
  },
  app_secret,
  {
    algorithm: 'HS256',
    expiresIn: '24h',
    jwtid: uuid4()
  },
  function (err, token) {
    console.log(token);
  }
);
