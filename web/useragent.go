package web

import (
	"fmt"
	"strings"
)

// browserName reads a User-Agent as a person would say it: "Firefox su
// Windows". It knows the common browsers and systems, in the order that
// tells them apart (Edge and Opera say "Chrome" too, Chrome says
// "Safari", Android says "Linux"); a program that is not a browser is
// named by its first word ("curl"), an empty one is unknown.
func browserName(lang, ua string) string {
	var browser string
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"Opera", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"}, {"CriOS/", "Chrome"},
		{"Safari/", "Safari"},
		{"Trident/", "Internet Explorer"}, {"MSIE ", "Internet Explorer"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	var system string
	for _, o := range []struct{ token, name string }{
		{"Windows", "Windows"},
		{"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
		{"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser == "" && system == "":
		first, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
		name, _, _ := strings.Cut(first, "/")
		if name == "" || name == "Mozilla" {
			return translate(lang, "sessions.unknown")
		}
		return name
	case browser == "":
		browser = translate(lang, "sessions.unknown")
	case system == "":
		return browser
	}
	return fmt.Sprintf(translate(lang, "sessions.on"), browser, system)
}
