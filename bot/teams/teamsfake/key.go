package teamsfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"sync"
)

// BotFrameworkIssuer is the iss claim of the Bot Framework's tokens and of its OpenID metadata.
const BotFrameworkIssuer = "https://api.botframework.com"

// signingKey is one RSA key with its key id.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// keyRing holds the signing keys: the current one signs, the previous one
// stays published after a rotation, as the Bot Framework overlaps its keys.
type keyRing struct {
	mu      sync.Mutex
	current signingKey
	prev    *signingKey
	forged  *signingKey // never published; made on first use
}

func newKeyRing(first *rsa.PrivateKey) *keyRing {
	if first == nil {
		return &keyRing{current: newSigningKey()}
	}
	return &keyRing{current: keyWithID(first)}
}

// newSigningKey generates a 2048-bit RSA key, the size the Bot Framework uses.
func newSigningKey() signingKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("teamsfake: generate key: " + err.Error())
	}
	return keyWithID(k)
}

// keyWithID names a key after a hash of its modulus.
func keyWithID(k *rsa.PrivateKey) signingKey {
	sum := sha256.Sum256(k.N.Bytes())
	return signingKey{kid: base64.RawURLEncoding.EncodeToString(sum[:20]), key: k}
}

// signer returns the key that signs genuine tokens.
func (r *keyRing) signer() signingKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

// forger returns a key that is not in the JWKS, under the current key's kid,
// so that only a verifier that checks the signature rejects its tokens.
func (r *keyRing) forger() signingKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.forged == nil {
		k := newSigningKey()
		r.forged = &k
	}
	return signingKey{kid: r.current.kid, key: r.forged.key}
}

// published returns the keys in the JWKS, newest first.
func (r *keyRing) published() []signingKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []signingKey{r.current}
	if r.prev != nil {
		out = append(out, *r.prev)
	}
	return out
}

func (r *keyRing) rotate() {
	k := newSigningKey()
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.current
	r.prev = &prev
	r.current = k
}

// RotateKeys makes a new signing key. The JWKS publishes it with the previous
// one, so tokens signed before the rotation stay valid; a key two rotations
// old is gone.
func (s *Server) RotateKeys() { s.keys.rotate() }

// KeyIDs returns the kids the JWKS publishes, newest first.
func (s *Server) KeyIDs() []string {
	var out []string
	for _, k := range s.keys.published() {
		out = append(out, k.kid)
	}
	return out
}

// jwk is one key of the JWKS, with the Bot Framework's endorsements (the
// channels a key may sign for).
type jwk struct {
	Kty          string   `json:"kty"`
	Use          string   `json:"use"`
	Kid          string   `json:"kid"`
	N            string   `json:"n"`
	E            string   `json:"e"`
	Endorsements []string `json:"endorsements"`
}

func (s *Server) serveOpenID(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, obj{"error": "method not allowed"})
		return
	}
	writeJSON(w, http.StatusOK, obj{
		"issuer":                                BotFrameworkIssuer,
		"authorization_endpoint":                "https://invalid.botframework.com/v1/auth/authorize",
		"jwks_uri":                              s.URL() + keysPath,
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
}

func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, obj{"error": "method not allowed"})
		return
	}
	var keys []jwk
	for _, k := range s.keys.published() {
		pub := k.key.PublicKey
		keys = append(keys, jwk{
			Kty:          "RSA",
			Use:          "sig",
			Kid:          k.kid,
			N:            base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E:            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			Endorsements: []string{"msteams"},
		})
	}
	writeJSON(w, http.StatusOK, obj{"keys": keys})
}
