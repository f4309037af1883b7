# Verifies one token with PyJWT, HS256 only: the token is read from standard
# input, the secret from KEYWARD_SECRET. Prints the claims as JSON and exits 0
# when the token is valid; prints the library's error on stderr and exits 1
# otherwise. Run it with Debian's /usr/bin/python3 (package python3-jwt).
import json
import os
import sys

import jwt

try:
    claims = jwt.decode(sys.stdin.read().strip(), os.environ["KEYWARD_SECRET"], algorithms=["HS256"])
except jwt.PyJWTError as err:
    print("PyJWT: %s: %s" % (type(err).__name__, err), file=sys.stderr)
    sys.exit(1)
print(json.dumps(claims))
