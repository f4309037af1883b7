// Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms management token, Node.js tab,
// for the negative interop tests: the seed's sample (as node/management.js) with
// the options of jwt.sign overridden by the JSON object in KEYWARD_JWT_OPTIONS,
// e.g. {"algorithm":"HS384"} or {"expiresIn":"48h"}, to make tokens keyward
// must refuse. On a signing error it prints the error and exits 1 instead of
// printing "undefined".
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
  Object.assign({
    algorithm: 'HS256',
    expiresIn: '24h',
    jwtid: uuid4()
  }, JSON.parse(process.env.KEYWARD_JWT_OPTIONS || '{}')),
  function (err, token) {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    console.log(token);
  }
);
