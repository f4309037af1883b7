// Seed: shared/seeds/003_a86311b5e74ee83c.txt, Sunbird/EkStep "Generating JWT".
// The seed prints only the claims, no code; this is the program it describes,
// written with the libraries an Atlassian-style client uses: atlassian-jwt for
// the query string hash and jsonwebtoken to sign with HS256.
// Inputs from the environment: KEYWARD_KEY (the credential's key, iss),
// KEYWARD_SECRET, KEYWARD_METHOD and KEYWARD_URL (the request the token is for,
// path and query as sent), KEYWARD_API_ID (id), KEYWARD_DID and KEYWARD_MSGID
// (params).
// Difference from the seed's claims: the seed's iat is a decimal *string* of
// milliseconds ("1442426231600"), which jsonwebtoken refuses to sign ('"iat"
// should be a number of seconds'); the same milliseconds are sent as a number.
const jwt = require("jsonwebtoken");
const atlassian = require("atlassian-jwt");

const key = process.env.KEYWARD_KEY;
const secret = process.env.KEYWARD_SECRET;
const req = atlassian.fromMethodAndUrl(process.env.KEYWARD_METHOD, process.env.KEYWARD_URL);

const token = jwt.sign({
    iss: key,                                          // the issuer of the claim or the "key"
    iat: Date.now(),                                   // epoch timestamp when JWT was created (ms)
    id: process.env.KEYWARD_API_ID,                    // target API
    qsh: atlassian.createQueryStringHash(req, false, ''), // hashed query string
    version: "1.0",                                    // version of the API
    params: {                                          // contextual parameters from the API request
        did: process.env.KEYWARD_DID,
        msgid: process.env.KEYWARD_MSGID,
    },
}, secret, { algorithm: "HS256" });
console.log(token);
