# Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms app token, Ruby tab.
# Changes from the seed text: $app_access_key and $app_secret come from the
# environment (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders, and so
# do the room, user and role passed to generateAppToken (KEYWARD_ROOM,
# KEYWARD_USER, KEYWARD_ROLE). The sample itself needs no fix.
require 'jwt'
require 'securerandom'
$app_access_key = ENV.fetch("KEYWARD_KEY")
$app_secret = ENV.fetch("KEYWARD_SECRET")
def generateAppToken(room_id, user_id, role)
  now = Time.now
  exp = now + 86400
  payload = {
    access_key: $app_access_key,
    room_id: room_id,
    user_id: user_id,
    role: role,
    type: "app",
    jti: SecureRandom.uuid,
    version: 2,
    iat: now.to_i,
    nbf: now.to_i,
    exp: exp.to_i
  }
  token = JWT.encode(payload, $app_secret, 'HS256')
end
puts generateAppToken ENV.fetch("KEYWARD_ROOM"), ENV.fetch("KEYWARD_USER"), ENV.fetch("KEYWARD_ROLE")
