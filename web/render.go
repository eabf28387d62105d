package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/search"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// page is what every full page template receives.
type page struct {
	Lang   string
	Title  string
	Nav    string
	User   *redazione.User
	Ente   *redazione.Ente
	CSRF   string
	Unread int
	// AccessDue: access requests whose term ends within days, or has ended.
	AccessDue int
	// Crisis: the ente's crisis mode, when on (a banner on every page).
	Crisis *store.Crisis
	// PolicyToAck: the internal policy the user has yet to acknowledge.
	PolicyToAck *store.Policy
	Flash       string
	Error       string
	Data        any

	sla func(*redazione.Conversation) *slaView

	Accessibility string // the ente's accessibility statement, for the footer

	// EnrolOnly: the session reaches only the enrolment of a second
	// factor (the header shows no menu).
	EnrolOnly bool

	Available bool   // the user takes new conversations (operators)
	Path      string // where the page is, to come back after a header action
}

// SLAOf is how c stands against its response-time target (nil: no target).
func (p *page) SLAOf(c *redazione.Conversation) *slaView {
	if p == nil || p.sla == nil || c == nil {
		return nil
	}
	return p.sla(c)
}

// T translates a key in the page's language.
func (p *page) T(key string) string { return translate(p.Lang, key) }

// navEntry is one link of the main menu.
type navEntry struct {
	Href, Label string
	Current     bool
}

type pages struct {
	byName map[string]*template.Template
}

var assetHashes sync.Map

// assetURL returns a static path with a content hash, so browsers may cache
// assets forever and still see a new version at once.
func assetURL(name string) string {
	if v, ok := assetHashes.Load(name); ok {
		return v.(string)
	}
	b, err := staticFS.ReadFile("static/" + name)
	u := "/static/" + name
	if err == nil {
		h := sha256.Sum256(b)
		u += "?v=" + hex.EncodeToString(h[:6])
	}
	assetHashes.Store(name, u)
	return u
}

var funcs = template.FuncMap{
	"t":           translate,
	"tn":          translateN,
	"pluralForms": pluralForms,
	// navItem is one entry of the main menu: its address, its label and
	// whether the page is in its section.
	"navItem": func(p *page, href, nav, key string) navEntry {
		return navEntry{Href: href, Label: translate(p.Lang, key), Current: p.Nav == nav}
	},
	"asset": assetURL,
	"statusLabel": func(lang string, s redazione.Status) string {
		return translate(lang, "status."+string(s))
	},
	"roleLabel": func(lang string, r redazione.Role) string { return translate(lang, "role."+string(r)) },
	"kindLabel": func(lang string, k redazione.ChannelKind) string { return translate(lang, "kind."+string(k)) },
	// instant reads a time written in a log's detail (RFC 3339, UTC), to
	// show it in Rome's time like the others; nil when it is not one.
	"instant": func(s string) *time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil
		}
		return &t
	},
	"deliveryLabel": func(lang string, d redazione.Delivery) string {
		return translate(lang, "delivery."+string(d))
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(rome).Format("02/01/2006 15:04")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago": humanDuration,
	"highlight": func(text string, terms []string) template.HTML {
		return search.Highlight(text, terms)
	},
	"snippet": func(text string, terms []string) template.HTML {
		return search.Snippet(text, terms, 160)
	},
	"has":              func(list []int64, v int64) bool { return slices.Contains(list, v) },
	"isImage":          func(contentType string) bool { return inlineTypes[contentType] },
	"fileSize":         fileSize,
	"settingsOf":       channel.SettingsOf,
	"dict":             dict,
	"masked":           channel.Masked,
	"webhookPath":      channel.WebhookPath,
	"receiptLabel":     receiptLabel,
	"credentialsState": func(expire time.Time) string { return credentialsState(expire, time.Now()) },
	"day":              func(t time.Time) string { return t.In(rome).Format("02/01/2006") },
	"dictItem": func(p *page, c *redazione.Conversation) map[string]any {
		return map[string]any{"Lang": p.Lang, "C": c, "P": p}
	},
	"priorityLabel":  priorityLabel,
	"marked":         marked,
	"duration":       minutesLabel,
	"reportLabel":    reportLabel,
	"situationLabel": func(lang, s string) string { return translate(lang, "situation."+s) },
	"flagLabel":      func(lang, kind string) string { return translate(lang, "flag."+kind) },
	"int": func(v any) int {
		switch x := v.(type) {
		case sla.Priority:
			return int(x)
		case *sla.Priority:
			if x != nil {
				return int(*x)
			}
		case int:
			return x
		case int64:
			return int(x)
		}
		return 0
	},
	"hours": func(d time.Duration) string {
		return strings.ReplaceAll(strconv.FormatFloat(d.Hours(), 'f', -1, 64), ".", ",")
	},
	"initial": func(s string) string {
		for _, r := range s {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
	"query": func(kv ...any) template.URL {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			val := fmt.Sprint(kv[i+1])
			if val != "" && val != "0" {
				v.Set(fmt.Sprint(kv[i]), val)
			}
		}
		return template.URL(v.Encode())
	},
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

// humanDuration says how long ago t was, in Italian or English.
func humanDuration(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	m := int(d.Minutes())
	it := lang != "en"
	switch {
	case m < 1:
		if it {
			return "meno di un minuto"
		}
		return "less than a minute"
	case m < 60:
		if it {
			return fmt.Sprintf("%d min", m)
		}
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		if it {
			return fmt.Sprintf("%d h %d min", m/60, m%60)
		}
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	default:
		return translateN(lang, "ago.days", m/(24*60))
	}
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(name, ".html")] = t
	}
	return p, nil
}

// render writes a page, or only the named block for an htmx request.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, block string, p *page) {
	if p != nil && p.Accessibility == "" {
		p.Accessibility = s.Config.AccessibilityURL
	}
	t, ok := s.pages.byName[name]
	if !ok {
		s.Log.ErrorContext(r.Context(), "no template", "name", name)
		http.Error(w, "Errore interno.", http.StatusInternalServerError)
		return
	}
	exec := "layout"
	if block != "" {
		exec = block
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, exec, p); err != nil {
		s.Log.ErrorContext(r.Context(), "render", "template", name, "block", exec, "err", err)
		http.Error(w, "Errore interno.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// statusOf maps a domain error code to an HTTP status, in one place.
func statusOf(err error) int {
	switch redazione.ErrorCode(err) {
	case redazione.EINVALID:
		return http.StatusBadRequest
	case redazione.ENOTFOUND:
		return http.StatusNotFound
	case redazione.EFORBIDDEN:
		return http.StatusForbidden
	case redazione.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case redazione.ECONFLICT:
		return http.StatusConflict
	case redazione.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case redazione.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// fail shows an error page (or fragment) with a message a user can read;
// internal errors are logged and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p *page, err error) {
	status := statusOf(err)
	msg := redazione.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		s.Log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	if p == nil {
		p = &page{Lang: langOf(r)}
	}
	p.Title, p.Error = translate(p.Lang, "error.title"), msg
	refused(w, err)
	if inPage(r) {
		s.render(w, r, status, "error", "error_message", p)
		return
	}
	s.render(w, r, status, "error", "", p)
}

// inPage says whether a request comes from a page's script (htmx, or a form
// sent by app.js), which shows a refusal beside the form it came from
// instead of leaving the page.
func inPage(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" || r.Header.Get("X-Redazione-Form") == "1"
}

// refused tells the page's script why an action was refused: the message a
// user can read (URL-escaped, so any text fits in a header) and the field it
// is about. The page shows it next to the form and keeps what was typed.
func refused(w http.ResponseWriter, err error) {
	w.Header().Set("X-Redazione-Error", url.PathEscape(redazione.ErrorMessage(err)))
	var de *redazione.Error
	if errors.As(err, &de) && de.Field != "" {
		w.Header().Set("X-Redazione-Field", de.Field)
	}
}

// refuse answers a request refused before its handler ran (another origin,
// an expired form) with a plain message, which the page's script shows
// beside the form like any other refusal.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("X-Redazione-Error", url.PathEscape(msg))
	http.Error(w, msg, status)
}

// writeJSON writes v as JSON with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError is the JSON of every API error.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
}

func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		s.Log.ErrorContext(r.Context(), "api request failed", "path", r.URL.Path, "err", err)
	}
	var de *redazione.Error
	body := apiError{Error: redazione.ErrorMessage(err), Code: redazione.ErrorCode(err)}
	if errors.As(err, &de) {
		body.Field = de.Field
	}
	writeJSON(w, status, body)
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		fsrv.ServeHTTP(w, r)
	})
}

func sameHost(r *http.Request, raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host == r.Host
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// marked returns text, escaped, with the spans flags point at in <mark>.
func marked(text string, marks []store.Mark) template.HTML {
	var b strings.Builder
	pos := 0
	for _, m := range sortedMarks(marks) {
		if m.Start < pos || m.End > len(text) || m.Start >= m.End {
			continue
		}
		b.WriteString(template.HTMLEscapeString(text[pos:m.Start]))
		b.WriteString(`<mark class="flag-mark flag-` + template.HTMLEscapeString(m.Kind) + `">`)
		b.WriteString(template.HTMLEscapeString(text[m.Start:m.End]))
		b.WriteString("</mark>")
		pos = m.End
	}
	b.WriteString(template.HTMLEscapeString(text[pos:]))
	return template.HTML(b.String())
}

func sortedMarks(marks []store.Mark) []store.Mark {
	out := slices.Clone(marks)
	slices.SortFunc(out, func(a, b store.Mark) int { return a.Start - b.Start })
	return out
}

// renderForm renders a page holding a form; a form error is shown on the
// page, with the status it calls for.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, name string, p *page, status int, formErr error) {
	if formErr != nil {
		p.Error = redazione.ErrorMessage(formErr)
		status = statusOf(formErr)
		refused(w, formErr)
	}
	s.render(w, r, status, name, "", p)
}

// parseLocal reads a datetime-local field (2026-04-06T09:30), in Rome's time.
func parseLocal(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), calendar.Rome)
	return t, err == nil
}

// fileSize says how big a file is, the way people read it (Italian decimal comma).
func fileSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strings.Replace(strconv.FormatFloat(float64(n)/1000, 'f', 0, 64), ".", ",", 1) + " kB"
	default:
		return strings.Replace(strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64), ".", ",", 1) + " MB"
	}
}

// credentialsState says whether a channel's credentials are fine ("ok"),
// expire within two weeks ("soon") or have expired; "" when they do not expire.
func credentialsState(expire, now time.Time) string {
	switch {
	case expire.IsZero():
		return ""
	case !expire.After(now):
		return "expired"
	case expire.Sub(now) < channel.CredentialsWarning:
		return "soon"
	}
	return "ok"
}

// dict builds the data of a sub-template from key, value pairs.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
