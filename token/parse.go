package token

import (
	"bytes"
	"encoding/base64"
	"math"
	"unicode/utf8"
	"unsafe"
)

// Parse decodes a compact JWS into c without checking its signature or its
// claims, so that the caller can read the untrusted key ([Claims.KeyBytes])
// and kid ([Claims.KeyIDBytes]), look up the secrets, and then call
// [Verifier.Verify]. Parse rejects everything that is not strictly a
// three-segment base64url token no larger than [MaxTokenSize] whose header
// and payload are JSON objects without duplicate member names, nested at
// most [MaxDepth] deep, and whose header says alg HS256. It copies raw, so
// the caller may reuse raw at once. It allocates nothing on success.
func Parse(c *Claims, raw []byte) error {
	c.reset()
	if len(raw) == 0 {
		return ErrMissing
	}
	if len(raw) > MaxTokenSize {
		return ErrTooLarge
	}
	// Find the two dots; base64 (strict) refuses every other character but
	// CR and LF, which it skips, and the length checks below catch those.
	d1 := bytes.IndexByte(raw, '.')
	if d1 <= 0 {
		return errSegments
	}
	d2 := bytes.IndexByte(raw[d1+1:], '.') + d1 + 1
	if d2 == d1 || d2 == d1+1 || bytes.IndexByte(raw[d2+1:], '.') >= 0 {
		return errSegments
	}
	// The header first: an unacceptable alg is reported as such even when
	// the signature cannot be HS256's (HS384, HS512, none).
	// Unescaped strings go to the arena, the second half of mem: decoded
	// header and payload together never exceed the first half, and their
	// unescaped strings never exceed their own size.
	c.arena = maxDecoded
	n := 0
	if h := knownHeader(raw[:d1]); h != nil {
		// A header every common library writes: its decoding and its
		// fields were worked out once, by the same scanner, at start-up.
		n = copy(c.mem[:], h.decoded)
		c.hdr = span{0, uint16(n)}
		c.fields[hAlg], c.fields[hTyp] = h.alg, h.typ
	} else {
		var ok bool
		if n, ok = decodeB64(c.mem[:], raw[:d1]); !ok {
			return errBase64Header
		}
		c.hdr = span{0, uint16(n)}
		c.inHdr = true
		if err := c.scanDocument(c.hdr, "header"); err != nil {
			return err
		}
		if err := c.checkHeader(); err != nil {
			return err
		}
		c.inHdr = false
	}
	if len(raw)-d2-1 != sigB64Size {
		return errBase64Sig
	}
	m, ok := decodeB64(c.mem[n:], raw[d1+1:d2])
	if !ok {
		return errBase64Payload
	}
	c.pay = span{uint16(n), uint16(m)}
	var sig [sigSize + 16]byte
	if k, ok := decodeB64(sig[:], raw[d2+1:]); !ok || k != sigSize {
		return errBase64Sig
	}
	c.sig = [sigSize]byte(sig[:sigSize])
	c.rawLen = copy(c.raw[:], raw[:d2])
	if err := c.scanDocument(c.pay, "payload"); err != nil {
		return err
	}
	c.profile = c.detectProfile()
	c.parsed = true
	return nil
}

// ParseString is [Parse] for a string. It reads raw in place: Parse only
// reads its input and copies what it keeps, so the string is never written.
func ParseString(c *Claims, raw string) error {
	return Parse(c, unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

// strictObject checks raw with the same scanner Parse uses for payloads.
func strictObject(raw []byte) error {
	if len(raw) > maxDecoded {
		return ErrTooLarge
	}
	c := new(Claims)
	n := copy(c.mem[:], raw)
	c.arena = maxDecoded
	return c.scanDocument(span{0, uint16(n)}, "payload")
}

// headerTemplate is a header that needs no decoding or scanning at parse
// time.
type headerTemplate struct {
	encoded  string
	decoded  []byte
	alg, typ field
}

// headerTemplates are the headers of jsonwebtoken, PyJWT, golang-jwt and
// keyward (alg then typ), of older PyJWT and jjwt (typ then alg), and of
// ruby-jwt (alg alone).
var headerTemplates = func() []headerTemplate {
	var out []headerTemplate
	for _, h := range []string{`{"alg":"HS256","typ":"JWT"}`, `{"typ":"JWT","alg":"HS256"}`, `{"alg":"HS256"}`} {
		c := new(Claims)
		n := copy(c.mem[:], h)
		c.arena = maxDecoded
		c.inHdr = true
		if err := c.scanDocument(span{0, uint16(n)}, "header"); err != nil {
			panic("token: header template: " + err.Error())
		}
		if err := c.checkHeader(); err != nil {
			panic("token: header template: " + err.Error())
		}
		out = append(out, headerTemplate{
			encoded: base64.RawURLEncoding.EncodeToString([]byte(h)),
			decoded: []byte(h),
			alg:     c.fields[hAlg],
			typ:     c.fields[hTyp],
		})
	}
	return out
}()

func knownHeader(seg []byte) *headerTemplate {
	for i := range headerTemplates {
		if string(seg) == headerTemplates[i].encoded {
			return &headerTemplates[i]
		}
	}
	return nil
}

func (c *Claims) reset() {
	c.rawLen = 0
	c.hdr, c.pay = span{}, span{}
	c.arena = 0
	c.fields = [numFields]field{}
	c.profile = 0
	c.perms, c.roles, c.badElem = 0, 0, 0
	c.hasDID, c.hasMsg = false, false
	c.parsed = false
	c.nkeys = 0
	c.inHdr = false
	c.claimID = -1
}

var (
	errAlgMissing = &Error{Code: CodeAlg, Claim: "alg", Reason: "missing; only HS256 is accepted"}
	errAlgValue   = &Error{Code: CodeAlg, Claim: "alg", Reason: "only HS256 is accepted"}
	errTyp        = &Error{Code: CodeAlg, Claim: "typ", Reason: "must be JWT or absent"}
	errCrit       = &Error{Code: CodeAlg, Claim: "crit", Reason: "no critical header extensions are supported"}
	errKid        = &Error{Code: CodeMalformed, Claim: "kid", Reason: "must be a string"}
)

func (c *Claims) checkHeader() error {
	if c.fields[hAlg].kind == kAbsent {
		return errAlgMissing
	}
	if string(c.str(hAlg)) != "HS256" {
		return errAlgValue
	}
	if f := c.fields[hTyp]; f.kind != kAbsent {
		if t := c.str(hTyp); t == nil || !bytes.EqualFold(t, []byte("JWT")) {
			return errTyp
		}
	}
	if c.fields[hCrit].kind != kAbsent {
		return errCrit
	}
	if k := c.fields[hKid].kind; k != kAbsent && k != kString {
		return errKid
	}
	return nil
}

func (c *Claims) detectProfile() Profile {
	switch {
	case c.fields[cAccessKey].kind != kAbsent:
		switch string(c.str(cType)) {
		case "app":
			return App
		default:
			return Management
		}
	case c.fields[cAPIKey].kind != kAbsent:
		return APIKey
	case c.fields[cIss].kind != kAbsent:
		if c.fields[cQSH].kind != kAbsent {
			return QSH
		}
		return Request
	}
	return 0
}

// plainChar marks the bytes a JSON string may hold as they are: printable
// ASCII but the quote and the backslash.
var plainChar = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// --- strict JSON scanner -------------------------------------------------

var (
	errNotObject  = &Error{Code: CodeMalformed, Claim: "payload", Reason: "not a JSON object"}
	errHdrObject  = &Error{Code: CodeMalformed, Claim: "header", Reason: "not a JSON object"}
	errJSON       = &Error{Code: CodeMalformed, Reason: "invalid JSON"}
	errDepth      = &Error{Code: CodeMalformed, Reason: "JSON nested too deeply"}
	errDuplicate  = &Error{Code: CodeMalformed, Reason: "duplicate member name"}
	errTooMany    = &Error{Code: CodeMalformed, Reason: "too many member names"}
	errUTF8       = &Error{Code: CodeMalformed, Reason: "invalid UTF-8 or escape in a JSON string"}
	errTrailing   = &Error{Code: CodeMalformed, Reason: "data after the JSON object"}
	errDupHeader  = &Error{Code: CodeMalformed, Claim: "header", Reason: "duplicate member name"}
	errDupPayload = &Error{Code: CodeMalformed, Claim: "payload", Reason: "duplicate claim name"}
)

func (c *Claims) scanDocument(doc span, part string) error {
	b := c.mem[:int(doc.off)+int(doc.n)]
	i := skipWS(b, int(doc.off))
	if i >= len(b) || b[i] != '{' {
		if part == "header" {
			return errHdrObject
		}
		return errNotObject
	}
	c.claimID = -1
	i, err := c.scanObject(b, i, 1)
	if err != nil {
		if err == errDuplicate {
			// Name where the duplicate sits when it is at the top.
			if part == "header" {
				return errDupHeader
			}
			return errDupPayload
		}
		return err
	}
	if skipWS(b, i) != len(b) {
		return errTrailing
	}
	return nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue scans the value starting at b[i] (after whitespace) and returns
// the index after it, its kind and its span (for strings, the unescaped
// text).
func (c *Claims) scanValue(b []byte, i, depth int) (int, kind, span, error) {
	if i >= len(b) {
		return i, 0, span{}, errJSON
	}
	start := i
	switch b[i] {
	case '{':
		j, err := c.scanObject(b, i, depth+1)
		return j, kObject, span{uint16(start), uint16(j - start)}, err
	case '[':
		j, err := c.scanArray(b, i, depth+1)
		return j, kArray, span{uint16(start), uint16(j - start)}, err
	case '"':
		j, s, err := c.scanString(b, i)
		return j, kString, s, err
	case 't':
		if bytes.HasPrefix(b[i:], []byte("true")) {
			return i + 4, kBool, span{uint16(start), 4}, nil
		}
	case 'f':
		if bytes.HasPrefix(b[i:], []byte("false")) {
			return i + 5, kBool, span{uint16(start), 5}, nil
		}
	case 'n':
		if bytes.HasPrefix(b[i:], []byte("null")) {
			return i + 4, kNull, span{uint16(start), 4}, nil
		}
	default:
		j, err := scanNumber(b, i)
		return j, kNumber, span{uint16(start), uint16(j - start)}, err
	}
	return i, 0, span{}, errJSON
}

func (c *Claims) scanObject(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, errDepth
	}
	i++ // '{'
	base := c.nkeys
	i = skipWS(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	outer := c.claimID
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] != '"' {
			return i, errJSON
		}
		j, name, err := c.scanString(b, i)
		if err != nil {
			return j, err
		}
		nb := c.bytes(name)
		for k := base; k < c.nkeys; k++ {
			if c.keys[k].n == name.n && bytes.Equal(c.bytes(c.keys[k]), nb) {
				return j, errDuplicate
			}
		}
		if c.nkeys == maxOpenKeys {
			return j, errTooMany
		}
		c.keys[c.nkeys] = name
		c.nkeys++
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return i, errJSON
		}
		i = skipWS(b, i+1)

		id := -1
		if depth == 1 {
			id = c.fieldIndex(nb)
			c.claimID = id
		}
		j, k, val, err := c.scanValue(b, i, depth)
		if err != nil {
			return j, err
		}
		switch {
		case id >= 0:
			f := field{kind: k, val: val}
			if k == kNumber && (id == cIat || id == cNbf || id == cExp) {
				f.num, f.numOK = parseSeconds(c.bytes(val))
			}
			c.fields[id] = f
		case depth == 2 && outer == cParams && k == kString:
			switch string(nb) {
			case "msgid":
				c.msgid, c.hasMsg = val, true
			case "did":
				c.did, c.hasDID = val, true
			}
		}
		if depth == 1 {
			c.claimID = -1
		}
		i = skipWS(b, j)
		if i >= len(b) {
			return i, errJSON
		}
		if b[i] == '}' {
			c.nkeys = base // this object's names leave the open path
			return i + 1, nil
		}
		if b[i] != ',' {
			return i, errJSON
		}
		i++
	}
}

func (c *Claims) fieldIndex(name []byte) int {
	if c.inHdr {
		switch string(name) {
		case "alg":
			return hAlg
		case "typ":
			return hTyp
		case "kid":
			return hKid
		case "crit":
			return hCrit
		}
		return -1
	}
	switch string(name) {
	case "iss":
		return cIss
	case "access_key":
		return cAccessKey
	case "apikey":
		return cAPIKey
	case "iat":
		return cIat
	case "nbf":
		return cNbf
	case "exp":
		return cExp
	case "jti":
		return cJti
	case "mtd":
		return cMtd
	case "url":
		return cURL
	case "arg":
		return cArg
	case "id":
		return cID
	case "qsh":
		return cQSH
	case "version":
		return cVersion
	case "params":
		return cParams
	case "type":
		return cType
	case "room_id":
		return cRoomID
	case "user_id":
		return cUserID
	case "role":
		return cRole
	case "permissions":
		return cPermissions
	case "roles":
		return cRoles
	case "roomId":
		return cRoomIDV2
	case "participantId":
		return cParticipantID
	case "sub":
		return cSub
	}
	return -1
}

func (c *Claims) scanArray(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, errDepth
	}
	i++ // '['
	i = skipWS(b, i)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	arr := -1
	if depth == 2 && (c.claimID == cPermissions || c.claimID == cRoles) {
		arr = c.claimID
	}
	for {
		i = skipWS(b, i)
		j, k, val, err := c.scanValue(b, i, depth)
		if err != nil {
			return j, err
		}
		if arr >= 0 {
			c.noteElement(arr, k, c.bytes(val))
		}
		i = skipWS(b, j)
		if i >= len(b) {
			return i, errJSON
		}
		if b[i] == ']' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return i, errJSON
		}
		i++
	}
}

func (c *Claims) noteElement(arr int, k kind, v []byte) {
	if arr == cPermissions {
		switch {
		case k == kString && string(v) == "allow_join":
			c.perms |= permAllowJoin
		case k == kString && string(v) == "ask_join":
			c.perms |= permAskJoin
		case k == kString && string(v) == "allow_mod":
			c.perms |= permAllowMod
		default:
			c.badElem |= 1
		}
		return
	}
	switch {
	case k == kString && string(v) == "rtc":
		c.roles |= roleRTC
	case k == kString && string(v) == "crawler":
		c.roles |= roleCrawler
	default:
		c.badElem |= 2
	}
}

// scanString scans the string at b[i] == '"'. It returns a span of the
// unescaped text: inside b when there are no escapes, else in the arena.
func (c *Claims) scanString(b []byte, i int) (int, span, error) {
	i++
	start := i
	escaped := false
	for i < len(b) {
		ch := b[i]
		if plainChar[ch] {
			i++
			continue
		}
		switch {
		case ch == '"':
			if !escaped {
				return i + 1, span{uint16(start), uint16(i - start)}, nil
			}
			s, err := c.unescape(b[start:i])
			return i + 1, s, err
		case ch == '\\':
			escaped = true
			i += 2
		case ch < 0x20:
			return i, span{}, errJSON
		case ch < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, span{}, errUTF8
			}
			i += size
		}
	}
	return i, span{}, errJSON
}

// unescape writes the unescaped form of s (the inside of a JSON string that
// holds at least one backslash) to the arena. The arena can never overflow:
// an unescaped string is never longer than its source, and the arena is as
// large as all decoded text together.
func (c *Claims) unescape(s []byte) (span, error) {
	out := c.mem[c.arena:]
	n := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if ch != '\\' {
			out[n] = ch
			n++
			i++
			continue
		}
		if i+1 >= len(s) {
			return span{}, errUTF8
		}
		switch s[i+1] {
		case '"', '\\', '/':
			out[n] = s[i+1]
		case 'b':
			out[n] = '\b'
		case 'f':
			out[n] = '\f'
		case 'n':
			out[n] = '\n'
		case 'r':
			out[n] = '\r'
		case 't':
			out[n] = '\t'
		case 'u':
			r, used, ok := decodeU(s[i:])
			if !ok {
				return span{}, errUTF8
			}
			n += utf8.EncodeRune(out[n:], r)
			i += used
			continue
		default:
			return span{}, errUTF8
		}
		n++
		i += 2
	}
	sp := span{uint16(c.arena), uint16(n)}
	c.arena += n
	return sp, nil
}

// decodeU decodes \uXXXX, or a surrogate pair \uXXXX\uXXXX, at s[0:].
// Lone surrogates are refused.
func decodeU(s []byte) (rune, int, bool) {
	r1, ok := hex4(s)
	if !ok {
		return 0, 0, false
	}
	if r1 < 0xD800 || r1 > 0xDFFF {
		return r1, 6, true
	}
	if r1 >= 0xDC00 || len(s) < 12 || s[6] != '\\' || s[7] != 'u' {
		return 0, 0, false
	}
	r2, ok := hex4(s[6:])
	if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
		return 0, 0, false
	}
	return 0x10000 + (r1-0xD800)<<10 + (r2 - 0xDC00), 12, true
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 6 {
		return 0, false
	}
	var r rune
	for _, ch := range s[2:6] {
		r <<= 4
		switch {
		case ch >= '0' && ch <= '9':
			r |= rune(ch - '0')
		case ch >= 'a' && ch <= 'f':
			r |= rune(ch - 'a' + 10)
		case ch >= 'A' && ch <= 'F':
			r |= rune(ch - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// scanNumber checks the JSON number grammar at b[i].
func scanNumber(b []byte, i int) (int, error) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, errJSON
	}
	if i < len(b) && b[i] == '.' {
		d := i + 1
		if i = digits(b, d); i == d {
			return i, errJSON
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		if i = digits(b, d); i == d {
			return i, errJSON
		}
	}
	return i, nil
}

// digits returns the index after the run of decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// date returns field i as whole seconds since the epoch. A JSON number is
// taken as seconds (fractions are truncated toward the past). When
// allowString is set, a decimal string is accepted too. Either way, a value
// of 10^11 or more is taken as milliseconds when allowString is set, the
// Sunbird form. ok is false for an absent field, a wrong JSON type or a value
// out of range.
func (c *Claims) date(i int, allowString bool) (int64, bool) {
	f := &c.fields[i]
	var digits []byte
	switch {
	case f.kind == kNumber && !allowString:
		return f.num, f.numOK
	case f.kind == kNumber:
		digits = c.bytes(f.val)
	case f.kind == kString && allowString:
		digits = c.bytes(f.val)
		if len(digits) == 0 || len(digits) > 16 {
			return 0, false
		}
		for _, d := range digits {
			if d < '0' || d > '9' {
				return 0, false
			}
		}
	default:
		return 0, false
	}
	v, ok := parseSeconds(digits)
	if !ok {
		return 0, false
	}
	if allowString && v >= 1e11 {
		v /= 1000
	}
	return v, true
}

// parseSeconds parses a JSON number as an int64, flooring fractions. It
// handles exponents; values beyond ±2^53 are refused.
func parseSeconds(b []byte) (int64, bool) {
	if len(b) > 0 && len(b) <= 15 {
		// The common case: a plain non-negative integer.
		var v int64
		i := 0
		for ; i < len(b); i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			v = v*10 + int64(d)
		}
		if i == len(b) {
			return v, true
		}
	}
	neg := false
	i := 0
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var mant int64
	exp := 0
	nd := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if nd < 17 {
			mant = mant*10 + int64(b[i]-'0')
			if mant != 0 {
				nd++
			}
		} else {
			exp++
		}
	}
	frac := false
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if nd < 17 {
				mant = mant*10 + int64(b[i]-'0')
				if mant != 0 {
					nd++
				}
				exp--
			} else if b[i] != '0' {
				frac = true
			}
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if b[i] == '+' || b[i] == '-' {
			eneg = b[i] == '-'
			i++
		}
		e := 0
		for ; i < len(b); i++ {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	for exp > 0 {
		if mant > math.MaxInt64/10 {
			return 0, false
		}
		mant *= 10
		exp--
	}
	for exp < 0 && mant != 0 {
		if mant%10 != 0 {
			frac = true
		}
		mant /= 10
		exp++
	}
	if mant > 1<<53 {
		return 0, false
	}
	if neg {
		mant = -mant
		if frac {
			mant--
		}
	}
	return mant, true
}
