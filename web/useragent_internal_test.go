package web

import "testing"

// A session's browser is named as a person would say it.
func TestBrowserName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ lang, ua, want string }{
		{"it", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox su Windows"},
		{"en", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"},
		{"it", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge su Windows"},
		{"it", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari su macOS"},
		{"it", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome su iPhone"},
		{"it", "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet su Android"},
		{"it", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome su Linux"},
		{"it", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera su Linux"},
		{"it", "curl/8.5.0", "curl"},
		{"it", "Go-http-client/1.1", "Go-http-client"},
		{"it", "", "Browser sconosciuto"},
		{"en", "", "Unknown browser"},
		{"it", "Mozilla/5.0 (compatible)", "Browser sconosciuto"},
	} {
		if got := browserName(c.lang, c.ua); got != c.want {
			t.Errorf("browserName(%s, %q) = %q, want %q", c.lang, c.ua, got, c.want)
		}
	}
}
