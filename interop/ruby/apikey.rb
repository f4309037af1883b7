# Seed: shared/seeds/004_53ba05a31d6f03f5.txt, VideoSDK access token, Ruby tab.
# Changes from the seed text: $api_key and $secret_key come from the environment
# (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders.
# Fix: the payload has no exp, so the token never expires and keyward refuses it
# by default (TOKEN_CLAIM_MISSING, exp); exp is added, 24 h ahead as in the
# seed's other VideoSDK samples (apikey_asprinted.rb keeps the seed's payload,
# to test that refusal).
require 'jwt'
require 'securerandom'

$api_key = ENV.fetch("KEYWARD_KEY")
$secret_key = ENV.fetch("KEYWARD_SECRET")

def generateToken()
    payload = {
      apikey: $api_key,
      exp: Time.now.to_i + 24 * 3600
    }
token = JWT.encode(payload, $secret_key, 'HS256')
return token
end

puts generateToken
