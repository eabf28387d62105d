package redazione

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// AuditGenesis is the hash an ente's first audit entry chains from.
const AuditGenesis = ""

// AuditHash chains an audit entry to the one before it (prev; AuditGenesis
// for an ente's first): the hex SHA-256 of prev and the entry's ente,
// actor, time (Unix milliseconds), action, target and detail, in this
// order, each written as its length in bytes, a colon, itself and a
// newline ("64:<prev>\n1:1\n…"). The lengths keep the encoding one-to-one
// whatever the text holds, so no two entries share it. The entry's id is
// not hashed: the database assigns it on insert, and the order is the
// chain's.
func AuditHash(prev string, e AuditEntry) string {
	h := sha256.New()
	var b []byte
	field := func(s string) {
		b = strconv.AppendInt(b[:0], int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, '\n')
		h.Write(b)
	}
	field(prev)
	field(strconv.FormatInt(e.EnteID, 10))
	field(strconv.FormatInt(e.ActorID, 10))
	field(strconv.FormatInt(e.At.UnixMilli(), 10))
	field(e.Action)
	field(e.Target)
	field(e.Detail)
	return hex.EncodeToString(h.Sum(nil))
}
