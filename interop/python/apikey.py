#!/usr/bin/env python3
# Seed: shared/seeds/004_53ba05a31d6f03f5.txt, VideoSDK access token, Python tab.
# Changes from the seed text: api_key and secret_key come from the environment
# (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders.
# Fixes:
# - the seed computes exp (now + 24 h) but never puts it in the payload, so its
#   token never expires and keyward refuses it by default (TOKEN_CLAIM_MISSING,
#   exp): 'exp': exp is added to the payload (apikey_asprinted.py keeps the
#   seed's payload, to test that refusal);
# - under PyJWT 2 jwt.encode returns a str, which has no .decode: dropped.
import jwt
import uuid
import datetime
import os

api_key = os.environ['KEYWARD_KEY']
secret_key = os.environ['KEYWARD_SECRET']


def generateToken():
    expires = 24 * 3600
    now = datetime.datetime.utcnow()
    exp = now + datetime.timedelta(seconds=expires)
    return jwt.encode(payload={
        'apikey': api_key,
        'exp': exp
        }, key=secret_key)

if __name__ == '__main__':
    print(generateToken())
