package store

import "errors"

// KeyedHash is a keyed hash (HMAC-SHA-256, hex) of data under a key derived
// from the installation's master key, for purpose: what it signs (the
// short-lived public addresses of a post's images) cannot be forged
// without the key, nor from a copy of the database.
func (db *DB) KeyedHash(purpose, data string) (string, error) {
	if db.sealer == nil {
		return "", errors.New("no master key (REDAZIONE_SECRET_KEY)")
	}
	return db.sealer.MAC(purpose + "\x00" + data), nil
}
