package app

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFiles embed.FS

// parsePages parses the layout and every page; the templates are constants of
// this package, so a failure is a programming error caught by the tests.
func parsePages() *template.Template {
	return template.Must(template.New("").ParseFS(templateFiles, "templates/*.html"))
}

// navItem is a section of the demo.
type navItem struct{ Path, Title string }

// nav lists the demo's sections.
func nav() []navItem {
	return []navItem{
		{"/", "Accueil"},
		{"/proconnect", "ProConnect"},
		{"/generique", "Fournisseur générique"},
		{"/passkey", "Clés d’accès"},
		{"/api", "API Bearer"},
		{"/beswarm", "BeSwarm"},
		{"/kacls", "Google CSE"},
		{"/millegrilles", "MilleGrilles"},
	}
}

// render writes page (a template named page) inside the layout.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Title"], data["Nav"], data["Path"] = title, nav(), r.URL.Path
	var body bytes.Buffer
	if err := a.pages.ExecuteTemplate(&body, page, data); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	data["Body"] = template.HTML(body.String()) // rendered by html/template above
	var out bytes.Buffer
	if err := a.pages.ExecuteTemplate(&out, "layout", data); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(out.Bytes())
}
