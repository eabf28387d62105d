package email

import (
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// The HTML of an e-mail is sanitised once, when it arrives: no script, no
// event handler, no form, no frame, no style sheet, and inline styles only
// with properties whose values load nothing. Remote images stay in the
// stored HTML, but the page that shows it blocks them until the operator
// asks (BlockRemoteImages and the page's Content-Security-Policy).

var htmlPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("center", "font", "u", "s", "small", "big")
	p.AllowAttrs("align").OnElements("p", "div", "td", "th", "table", "img", "h1", "h2", "h3", "h4", "h5", "h6", "center")
	p.AllowAttrs("bgcolor", "border", "cellpadding", "cellspacing", "valign", "width", "height").OnElements("table", "tr", "td", "th", "img")
	p.AllowAttrs("color", "face", "size").OnElements("font")
	// Inline styles: each value is checked by bluemonday's handler for its
	// property, and no property that takes a url() is allowed.
	p.AllowStyles("color", "background-color", "font-size", "font-weight", "font-style", "font-family", "text-align",
		"text-decoration", "line-height", "margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
		"padding", "padding-top", "padding-bottom", "padding-left", "padding-right", "width", "max-width", "height",
		"border", "border-collapse", "vertical-align").Globally()
	p.AllowDataURIImages()
	p.AllowRelativeURLs(false) // meaningless in an e-mail, and they would point at Redazione
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
})

// Sanitize returns the HTML of an e-mail made safe to show.
func Sanitize(s string) string {
	return strings.TrimSpace(htmlPolicy().Sanitize(s))
}

// BlockRemoteImages returns sanitised HTML with its remote images taken
// out (their address removed, their alternative text kept), and how many
// there were.
func BlockRemoteImages(s string) (string, int) {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	n := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String(), n
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		t := z.Token()
		if t.Data != "img" {
			b.Write(z.Raw())
			continue
		}
		attrs := t.Attr[:0]
		remote := false
		for _, a := range t.Attr {
			switch {
			case a.Key == "srcset":
				remote = true
			case a.Key == "src" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "data:"):
				remote = true
			default:
				attrs = append(attrs, a)
			}
		}
		if remote {
			n++
			attrs = append(attrs, html.Attribute{Key: "data-remote-image", Val: "blocked"})
		}
		t.Attr = attrs
		b.WriteString(t.String())
	}
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// HTMLText turns the HTML of an e-mail into plain text, for a message
// without a text/plain part: the text of the body, a line break for each
// block, nothing of scripts and styles.
func HTMLText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			lines := strings.Split(b.String(), "\n")
			for i, l := range lines {
				lines[i] = strings.Join(strings.Fields(l), " ")
			}
			return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote":
				b.WriteString("\n")
			case "td", "th":
				b.WriteString(" ")
			}
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(string(z.Text())))
			}
		}
	}
}
