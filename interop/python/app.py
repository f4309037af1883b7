# Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms app token, Python tab.
# Changes from the seed text: app_access_key and app_secret come from the
# environment (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders; room_id,
# user_id and role come from argv, as in the seed.
# Fixes:
# - "expires = expires or 24 * 3600" reads expires before it is set
#   (UnboundLocalError): it is "expires = 24 * 3600", as in the management sample;
# - under PyJWT 2 jwt.encode returns a str, which has no .decode: dropped;
# - the seed reads the three arguments from argv[0..2] when len(argv) == 3, but
#   argv[0] is the script: they are argv[1..3] when len(argv) == 4.
import jwt
import uuid
import datetime
import sys
import os
app_access_key = os.environ["KEYWARD_KEY"]
app_secret = os.environ["KEYWARD_SECRET"]
def generate(room_id, user_id, role):
    expires = 24 * 3600
    now = datetime.datetime.utcnow()
    exp = now+ datetime.timedelta(seconds=expires)
    return jwt.encode(payload={
        "access_key": app_access_key,
        "type": "app",
        "version": 2,
        "room_id": room_id,
        "user_id": user_id,
        "role": role,
        "jti": str(uuid.uuid4()),
        "exp": exp,
        "iat": now,
        "nbf": now,
    }, key=app_secret)
if __name__ == "__main__":
    if len(sys.argv) == 4:
        room_id = sys.argv[1]
        user_id = sys.argv[2]
        role = sys.argv[3]
        print(generate(room_id=room_id, user_id=user_id, role=role))
