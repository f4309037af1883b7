# Signs one qsh token per request with Debian's ruby-atlassian-jwt (0.2.1),
# the way a Ruby client following Sunbird's docs does: the requests are a JSON
# array of {"method","url"} on standard input; the key, secret and API id come
# from KEYWARD_KEY, KEYWARD_SECRET and KEYWARD_API_ID. Prints a JSON array of
# {"canonical","token"}, one for each request, in order.
require 'json'
require 'atlassian/jwt'

key = ENV.fetch("KEYWARD_KEY")
secret = ENV.fetch("KEYWARD_SECRET")
api_id = ENV.fetch("KEYWARD_API_ID")
out = JSON.parse($stdin.read).map do |r|
  claims = Atlassian::Jwt.build_claims(key, r["url"], r["method"], '', nil, nil, { id: api_id })
  {
    canonical: Atlassian::Jwt.create_canonical_request(r["url"], r["method"], ''),
    token: Atlassian::Jwt.encode(claims, secret),
  }
end
puts JSON.generate(out)
