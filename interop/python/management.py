# Seed: shared/seeds/002_5699fbad3638f1b9.txt, 100ms management token, Python tab.
# Changes from the seed text: app_access_key and app_secret come from the
# environment (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders.
# Fix: under PyJWT 2 jwt.encode returns a str, which has no .decode; the
# .decode('utf-8') call is dropped.
import jwt
import uuid
import datetime
import os
app_access_key = os.environ['KEYWARD_KEY']
app_secret = os.environ['KEYWARD_SECRET']
def generateManagementToken():
    expires = 24 * 3600
    now = datetime.datetime.utcnow()
    exp = now + datetime.timedelta(seconds=expires)
    return jwt.encode(payload={
        'access_key': app_access_key,
        'type': 'management',
        'version': 2,
        'jti': str(uuid.uuid4()),
        'iat': now,
        'exp': exp,
        'nbf': now
    }, key=app_secret)
if __name__ == '__main__':
    print(generateManagementToken())
