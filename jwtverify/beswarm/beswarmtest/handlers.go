package beswarmtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
)

// codeLifetime is how long an authorization code stays usable.
const codeLifetime = 60 * time.Second

// answer writes BeSwarm's envelope: {"datas":…,"status":…,"error":{…}}.
func answer(w http.ResponseWriter, status int, datas any, description string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"datas": datas, "status": status,
		"error": map[string]any{"errorCode": 0, "description": description},
	})
}

func raw(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = io.WriteString(w, body)
}

// authorize logs the user in at once and redirects to the callback with state,
// code, swarm and serviceurl.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	hash := strings.ToLower(q.Get("code_challenge"))
	if q.Get("appid") != s.cfg.AppID || q.Get("state") == "" || len(hash) != 64 {
		http.Error(w, "bad appid, state or code_challenge", http.StatusBadRequest)
		return
	}
	cb := s.cfg.CallbackURL
	if cb == "" {
		cb = q.Get("callbackuri")
	}
	u, err := url.Parse(cb)
	if cb == "" || err != nil {
		http.Error(w, "no callback URL", http.StatusBadRequest)
		return
	}
	code := randomString()
	s.mu.Lock()
	s.codes[code] = &grant{challengeHash: hash, expires: s.cfg.Now().Add(codeLifetime)}
	service := s.URL
	if s.faults.ServiceURL != "" {
		service = s.faults.ServiceURL
	}
	s.mu.Unlock()
	cq := u.Query()
	cq.Set("state", q.Get("state"))
	cq.Set("code", code)
	cq.Set("swarm", s.cfg.Swarm)
	cq.Set("serviceurl", service)
	u.RawQuery = cq.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func randomString() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// userToken exchanges a code: {code_challenge, client_secret, code, swarm}.
func (s *Server) userToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CodeChallenge string `json:"code_challenge"`
		ClientSecret  string `json:"client_secret"`
		Code          string `json:"code"`
		Swarm         string `json:"swarm"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		answer(w, http.StatusBadRequest, nil, "bad request body")
		return
	}
	if subtle.ConstantTimeCompare([]byte(in.ClientSecret), []byte(s.cfg.ClientSecret)) != 1 {
		answer(w, http.StatusUnauthorized, nil, "invalid client secret")
		return
	}
	s.mu.Lock()
	g := s.codes[in.Code]
	delete(s.codes, in.Code) // single use
	f := s.faults
	s.mu.Unlock()
	if g == nil || !s.cfg.Now().Before(g.expires) || in.Swarm != s.cfg.Swarm || hashHex(in.CodeChallenge) != g.challengeHash {
		answer(w, http.StatusUnauthorized, nil, "invalid code, swarm or code_challenge")
		return
	}
	if f.TokenBody != "" {
		raw(w, f.TokenBody)
		return
	}
	user, err := s.issue(beswarm.User, g.challengeHash)
	if err != nil {
		answer(w, http.StatusInternalServerError, nil, err.Error())
		return
	}
	app, err := s.issue(beswarm.Application, g.challengeHash)
	if err != nil {
		answer(w, http.StatusInternalServerError, nil, err.Error())
		return
	}
	answer(w, http.StatusOK, map[string]any{"usertoken": user, "applicationtoken": app}, "")
}

// refreshToken renews a user or an application token, as a token of the same
// type: {"Token":"Bearer …" or "…","Code_challenge":…} (names matched
// case-insensitively, as ASP.NET does). Expired tokens are renewed too.
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token         string `json:"token"`
		CodeChallenge string `json:"code_challenge"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		answer(w, http.StatusBadRequest, nil, "bad request body")
		return
	}
	s.mu.Lock()
	g := s.issued[bearerless(in.Token)]
	f := s.faults
	s.mu.Unlock()
	if g == nil || hashHex(in.CodeChallenge) != g.challengeHash {
		answer(w, http.StatusUnauthorized, nil, "invalid token or code_challenge")
		return
	}
	if f.TokenBody != "" {
		raw(w, f.TokenBody)
		return
	}
	renewed, err := s.issue(g.typ, g.challengeHash)
	if err != nil {
		answer(w, http.StatusInternalServerError, nil, err.Error())
		return
	}
	answer(w, http.StatusOK, renewed, "")
}

func hashHex(codeChallenge string) string {
	sum := sha256.Sum256([]byte(codeChallenge))
	return hex.EncodeToString(sum[:])
}

// issue mints one token and its TokenResult.
func (s *Server) issue(typ beswarm.TokenType, challengeHash string) (map[string]any, error) {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	nonce := challengeHash
	if f.WrongNonce {
		nonce = hashHex("another login")
	}
	tok, err := s.Mint(s.Claims(typ, nonce))
	if err != nil {
		return nil, err
	}
	hosts := []string{s.URL}
	if f.Hosts != nil {
		hosts = f.Hosts
	}
	s.mu.Lock()
	s.issued[tok] = &grant{challengeHash: challengeHash, typ: typ}
	s.mu.Unlock()
	return map[string]any{
		"token_type": "Bearer", "id_token": tok,
		"expires_in": strconv.Itoa(int(s.cfg.Lifetime / time.Second)),
		"expires_on": expiresOn(s.cfg.Now(), s.cfg.Lifetime),
		"hosts":      hosts,
	}, nil
}

// publicKey lists every key: {"datas":[{"indice","key"}…]}.
func (s *Server) publicKey(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	f := s.faults
	var keys []map[string]string
	for kid, doc := range s.cfg.ExtraKeys {
		keys = append(keys, map[string]string{"indice": kid, "key": doc})
	}
	for _, k := range s.keys {
		keys = append(keys, map[string]string{"indice": k.kid, "key": RSAKeyValue(&k.key.PublicKey)})
	}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "max-age=600")
	if f.PublicKeyBody != "" {
		raw(w, f.PublicKeyBody)
		return
	}
	answer(w, http.StatusOK, keys, "")
}

// discoveryHosts answers the generic host list.
func (s *Server) discoveryHosts(w http.ResponseWriter, _ *http.Request) {
	s.discoveryAnswer(w, []string{s.URL})
}

// discoveryRole answers the hosts serving a role.
func (s *Server) discoveryRole(w http.ResponseWriter, r *http.Request) {
	hosts, ok := s.cfg.Roles[r.PathValue("role")]
	if !ok {
		hosts = []string{s.URL}
	}
	s.discoveryAnswer(w, hosts)
}

func (s *Server) discoveryAnswer(w http.ResponseWriter, hosts []string) {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	switch {
	case f.EmptyDiscovery:
		hosts = []string{}
	case f.DiscoveryHosts != nil:
		hosts = f.DiscoveryHosts
	}
	answer(w, http.StatusOK, hosts, "")
}
