package app

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
	"github.com/sesame-go/sesame/session"
)

// Session entries of a BeSwarm login.
const (
	keyBeSwarmLogin = "beswarm_login" // the login in progress (state, code challenge)
	keyBeSwarmToken = "beswarm_token" // the verified user token
)

// beswarm wires the BeSwarm login against the fake service.
func (a *App) beswarm(context.Context) error {
	fake, err := beswarmtest.New(beswarmtest.Config{CallbackURL: a.cfg.BaseURL + "/beswarm/retour"})
	if err != nil {
		return err
	}
	a.closers = append(a.closers, fake.Close)
	keys, err := beswarm.PublicKeys(fake.URL, jwtverify.RemoteKeysConfig{InsecureAllowHTTP: true, HTTPClient: fake.Client()})
	if err != nil {
		return err
	}
	verifier, err := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}, Logger: a.cfg.Logger})
	if err != nil {
		return err
	}
	cfg := fake.ClientConfig()
	cfg.Verifier, cfg.Logger = verifier, a.cfg.Logger
	client, err := beswarm.NewClient(cfg)
	if err != nil {
		return err
	}
	a.post("/beswarm/connexion", func(w http.ResponseWriter, r *http.Request) {
		login, err := client.Start()
		if err == nil {
			err = session.FromContext(r.Context()).Put(keyBeSwarmLogin, login)
		}
		if err != nil {
			a.fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		http.Redirect(w, r, login.URL, http.StatusSeeOther)
	})
	a.mux.HandleFunc("GET /beswarm/retour", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		var login beswarm.Login
		ok, err := s.Get(keyBeSwarmLogin, &login)
		_ = s.Delete(keyBeSwarmLogin) // a login completes once
		if err == nil && !ok {
			err = errors.New("no BeSwarm login in progress")
		}
		var set *beswarm.TokenSet
		if err == nil {
			set, err = client.Callback(r.Context(), login, r.URL.Query())
		}
		if err == nil {
			err = s.Put(keyBeSwarmToken, set.User.Raw)
		}
		if err != nil {
			a.fail(w, r, http.StatusBadRequest, err)
			return
		}
		http.Redirect(w, r, "/beswarm", http.StatusSeeOther)
	})
	a.mux.HandleFunc("GET /beswarm", func(w http.ResponseWriter, r *http.Request) {
		data := map[string]any{}
		if raw, _ := session.FromContext(r.Context()).GetString(keyBeSwarmToken); raw != "" {
			if c, err := verifier.VerifyClaims(r.Context(), raw); err == nil {
				data["Claims"], data["Rights"] = c, rightsRows(c.Scope)
			} else {
				data["Error"] = err.Error()
			}
		}
		a.render(w, r, http.StatusOK, "beswarm", "BeSwarm", data)
	})
	return nil
}

// rightRow is one line of the rights table.
type rightRow struct {
	Resource            string
	Read, Write, Delete bool
}

// rightsRows sorts the rights by resource for display.
func rightsRows(rs beswarm.Rights) []rightRow {
	out := make([]rightRow, 0, len(rs))
	for name, r := range rs {
		out = append(out, rightRow{name, r.Read, r.Write, r.Delete})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}
