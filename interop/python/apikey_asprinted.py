#!/usr/bin/env python3
# Seed: shared/seeds/004_53ba05a31d6f03f5.txt, VideoSDK access token, Python tab,
# with its payload as printed: exp is computed but left out, so the token never
# expires. keyward must refuse it under the default config (TOKEN_CLAIM_MISSING
# on exp); apikey.py is the fixed sample.
# Changes from the seed text: api_key and secret_key come from the environment
# (KEYWARD_KEY, KEYWARD_SECRET) instead of the placeholders, and the .decode
# call that fails under PyJWT 2 (jwt.encode returns a str) is dropped.
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
        'apikey': api_key
        }, key=secret_key)

if __name__ == '__main__':
    print(generateToken())
