# Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms management token, Ruby tab.
# Changes from the seed text: $app_access_key and $app_secret come from the
# environment (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders. The
# sample itself needs no fix.
require 'jwt'
require 'securerandom'
$app_access_key = ENV.fetch("KEYWARD_KEY")
$app_secret = ENV.fetch("KEYWARD_SECRET")
def generateManagementToken()
  now = Time.now
  exp = now + 86400
  payload = {
    access_key: $app_access_key,
    type: "management",
    version: 2,
    jti: SecureRandom.uuid,
    iat: now.to_i,
    nbf: now.to_i,
    exp: exp.to_i
  }
  token = JWT.encode(payload, $app_secret, 'HS256')
  return token
end
puts generateManagementToken
