# Seed: shared/seeds/004_53ba05a31d6f03f5.txt, VideoSDK access token, Ruby tab,
# with its payload as printed: no exp, so the token never expires. keyward must
# refuse it under the default config (TOKEN_CLAIM_MISSING on exp); apikey.rb is
# the fixed sample.
# Changes from the seed text: $api_key and $secret_key come from the environment
# (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders.
require 'jwt'
require 'securerandom'

$api_key = ENV.fetch("KEYWARD_KEY")
$secret_key = ENV.fetch("KEYWARD_SECRET")

def generateToken()
    payload = {
      apikey: $api_key
    }
token = JWT.encode(payload, $secret_key, 'HS256')
return token
end

puts generateToken
