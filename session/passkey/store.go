package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"sync"
)

// MaxUserIDSize bounds a user id: it is the WebAuthn user handle, at most 64
// bytes (WebAuthn §5.4.3).
const MaxUserIDSize = 64

// User is an account that may hold passkeys.
type User struct {
	// ID is the stable user id: the session's userId and, as bytes, the
	// WebAuthn user handle (1 to 64 bytes). Never an e-mail or a name.
	ID string
	// Name is the login name: the session's userName, what a username-first
	// login looks up.
	Name string
	// DisplayName is shown by the authenticator; default Name.
	DisplayName string
	// Credentials are the user's passkeys.
	Credentials []Credential
}

// UserStore keeps users and their passkeys. Implementations must be safe for
// concurrent use, treat stored records as untrusted (bounded, strict reading),
// return ErrUnknownUser for a user they do not hold and ErrUnavailable
// (wrapped) when their backend is down. MemoryStore and RedisStore implement it.
type UserStore interface {
	// UserByID returns the user with id, with its credentials.
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByName returns the user whose Name is name, with its credentials.
	UserByName(ctx context.Context, name string) (*User, error)
	// Credentials lists the passkeys of the user with id.
	Credentials(ctx context.Context, userID string) ([]Credential, error)
	// AddCredential adds c to the user's passkeys; ErrDuplicate when c.ID is
	// already registered, to this user or another.
	AddCredential(ctx context.Context, userID string, c Credential) error
	// UpdateCredential replaces the user's passkey of id c.ID (flags after a
	// login, a new name), keeping the stored counter when it is higher (only
	// BumpCounter moves a counter); ErrUnknownCredential when the user has
	// none.
	UpdateCredential(ctx context.Context, userID string, c Credential) error
	// BumpCounter sets the sign counter of the user's passkey credID from
	// "from" to "to", only while it is still "from" (a compare-and-set, so two
	// logins with one cloned counter cannot both pass): ErrCounter otherwise.
	BumpCounter(ctx context.Context, userID string, credID []byte, from, to uint32) error
}

func checkUser(u *User) error {
	if u == nil || u.ID == "" || len(u.ID) > MaxUserIDSize {
		return fmt.Errorf("%w: a user id is 1 to %d bytes", ErrFormat, MaxUserIDSize)
	}
	if u.Name == "" || len(u.Name) > 256 {
		return fmt.Errorf("%w: a user name is 1 to 256 bytes", ErrFormat)
	}
	if len(u.Credentials) > maxCreds {
		return fmt.Errorf("%w: more than %d credentials", ErrFormat, maxCreds)
	}
	return nil
}

func cloneUser(u *User) *User {
	c := *u
	c.Credentials = append([]Credential(nil), u.Credentials...)
	return &c
}

// MemoryStore is a UserStore in memory, for tests and single-process apps.
// The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	mu     sync.Mutex
	byID   map[string]*User
	byName map[string]string
	creds  map[string]string // credential id → user id
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{byID: map[string]*User{}, byName: map[string]string{}, creds: map[string]string{}}
}

// AddUser adds u (its credentials too); ErrDuplicate when its id, name or a
// credential id is taken.
func (m *MemoryStore) AddUser(ctx context.Context, u User) error {
	if err := checkUser(&u); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[u.ID]; ok {
		return fmt.Errorf("%w: user id %s", ErrDuplicate, quote(u.ID))
	}
	if _, ok := m.byName[u.Name]; ok {
		return fmt.Errorf("%w: user name %s", ErrDuplicate, quote(u.Name))
	}
	for _, c := range u.Credentials {
		if _, ok := m.creds[string(c.ID)]; ok {
			return fmt.Errorf("%w: credential", ErrDuplicate)
		}
	}
	m.byID[u.ID] = cloneUser(&u)
	m.byName[u.Name] = u.ID
	for _, c := range u.Credentials {
		m.creds[string(c.ID)] = u.ID
	}
	return nil
}

// UserByID implements UserStore.
func (m *MemoryStore) UserByID(ctx context.Context, id string) (*User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownUser, quote(id))
	}
	return cloneUser(u), nil
}

// UserByName implements UserStore.
func (m *MemoryStore) UserByName(ctx context.Context, name string) (*User, error) {
	m.mu.Lock()
	id, ok := m.byName[name]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownUser, quote(name))
	}
	return m.UserByID(ctx, id)
}

// Credentials implements UserStore.
func (m *MemoryStore) Credentials(ctx context.Context, userID string) ([]Credential, error) {
	u, err := m.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	return u.Credentials, nil
}

// AddCredential implements UserStore.
func (m *MemoryStore) AddCredential(ctx context.Context, userID string, c Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.byID[userID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownUser, quote(userID))
	}
	if _, ok := m.creds[string(c.ID)]; ok {
		return fmt.Errorf("%w: credential", ErrDuplicate)
	}
	if len(u.Credentials) >= maxCreds {
		return fmt.Errorf("%w: more than %d credentials", ErrFormat, maxCreds)
	}
	u.Credentials = append(u.Credentials, c)
	m.creds[string(c.ID)] = userID
	return nil
}

// UpdateCredential implements UserStore.
func (m *MemoryStore) UpdateCredential(ctx context.Context, userID string, c Credential) error {
	return m.update(userID, c.ID, func(old *Credential) error { replaceCredential(old, c); return nil })
}

// replaceCredential is UpdateCredential's rule: c replaces old, but the
// counter never moves back (only BumpCounter's compare-and-set moves it, so
// an update computed before another login's bump cannot undo it).
func replaceCredential(old *Credential, c Credential) {
	counter := max(old.Authenticator.SignCount, c.Authenticator.SignCount)
	*old = c
	old.Authenticator.SignCount = counter
}

// BumpCounter implements UserStore.
func (m *MemoryStore) BumpCounter(ctx context.Context, userID string, credID []byte, from, to uint32) error {
	return m.update(userID, credID, func(c *Credential) error { return bump(c, from, to) })
}

func bump(c *Credential, from, to uint32) error {
	if c.Authenticator.SignCount != from {
		return fmt.Errorf("%w: stored counter %d, expected %d", ErrCounter, c.Authenticator.SignCount, from)
	}
	c.Authenticator.SignCount = to
	return nil
}

func (m *MemoryStore) update(userID string, credID []byte, f func(*Credential) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.byID[userID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownUser, quote(userID))
	}
	for i := range u.Credentials {
		if bytes.Equal(u.Credentials[i].ID, credID) {
			c := u.Credentials[i]
			if err := f(&c); err != nil {
				return err
			}
			creds := append([]Credential(nil), u.Credentials...) // readers hold the old slice
			creds[i] = c
			u.Credentials = creds
			return nil
		}
	}
	return fmt.Errorf("%w: not one of %s's", ErrUnknownCredential, quote(userID))
}

// The stored user record: {"id", "name", "displayName", "credentials":
// [webauthn-rs Credential…]}.
type wireUser struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	DisplayName string       `json:"displayName"`
	Credentials []Credential `json:"credentials"`
}

func encodeUser(u *User) ([]byte, error) {
	if err := checkUser(u); err != nil {
		return nil, err
	}
	creds := u.Credentials
	if creds == nil {
		creds = []Credential{}
	}
	return marshal(wireUser{ID: u.ID, Name: u.Name, DisplayName: u.DisplayName, Credentials: creds})
}

func decodeUser(data []byte) (*User, error) {
	o, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	var u User
	if u.ID, err = o.str("id"); err != nil {
		return nil, err
	}
	if u.Name, err = o.str("name"); err != nil {
		return nil, err
	}
	if u.DisplayName, err = o.str("displayName"); err != nil {
		return nil, err
	}
	cv, err := o.get("credentials")
	if err != nil {
		return nil, err
	}
	list, ok := cv.([]any)
	if !ok || len(list) > maxCreds {
		return nil, fmt.Errorf("%w: $.credentials is %s, want an array of at most %d", ErrFormat, kind(cv), maxCreds)
	}
	for i, x := range list {
		co, err := asObject(x, fmt.Sprintf("$.credentials[%d]", i))
		if err != nil {
			return nil, err
		}
		c, err := readCredential(co)
		if err != nil {
			return nil, err
		}
		u.Credentials = append(u.Credentials, *c)
	}
	if err := checkUser(&u); err != nil {
		return nil, err
	}
	return &u, nil
}

func credKey(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }
