package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The browser finds the site's icon (no 404 on /favicon.ico), and the
// Content-Security-Policy lets Bootstrap Italia's stylesheet load the font
// it carries inline (a data: URL), which the browser used to block on every
// page with a console error.
func TestIconAndInlineFontAreServed(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	resp, err := http.Get(e.srv.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(body), "<svg") {
		t.Fatalf("/favicon.ico: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = http.Get(e.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`<link rel="icon" href="/static/favicon\.svg[^"]*" type="image/svg\+xml">`).Match(page) {
		t.Error("the page names no icon")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	css := regexp.MustCompile(`href="(/static/vendor/bootstrap-italia/css/[^"]+)"`).FindSubmatch(page)
	if css == nil {
		t.Fatal("no Bootstrap Italia stylesheet on the page")
	}
	resp, err = http.Get(e.srv.URL + string(css[1]))
	if err != nil {
		t.Fatal(err)
	}
	sheet, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(sheet), "url(data:application/font-woff") && !strings.Contains(csp, "font-src 'self' data:") {
		t.Errorf("the stylesheet carries an inline font the policy blocks: %s", csp)
	}
	if strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("the policy was loosened beyond fonts: %s", csp)
	}
}
