// Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms app token, Node.js tab.
// Changes from the seed text: app_access_key, app_secret, room_id, user_id and
// role come from the environment (KEYWARD_KEY, KEYWARD_SECRET, KEYWARD_ROOM,
// KEYWARD_USER, KEYWARD_ROLE) instead of the placeholders. The sample itself
// needs no fix.
var jwt = require('jsonwebtoken');
var uuid4 = require('uuid4');
var app_access_key = process.env.KEYWARD_KEY;
var app_secret = process.env.KEYWARD_SECRET;
var payload = {
  access_key: app_access_key,
  room_id: process.env.KEYWARD_ROOM,
  user_id: process.env.KEYWARD_USER,
  role: process.env.KEYWARD_ROLE,
  type: 'app',
  version: 2,
  iat: Math.floor(Date.now() / 1000),
  nbf: Math.floor(Date.now() / 1000)
};
jwt.sign(
  payload,
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
