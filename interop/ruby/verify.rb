# Verifies one token with ruby-jwt, HS256 only: the token is read from standard
# input, the secret from KEYWARD_SECRET. Prints the claims as JSON and exits 0
# when the token is valid; prints the library's error on stderr and exits 1
# otherwise.
require 'json'
require 'jwt'

begin
  claims, _header = JWT.decode($stdin.read.strip, ENV.fetch("KEYWARD_SECRET"), true, { algorithm: 'HS256' })
rescue JWT::DecodeError => e
  warn "ruby-jwt: #{e.class}: #{e.message}"
  exit 1
end
puts JSON.generate(claims)
