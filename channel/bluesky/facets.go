package bluesky

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Facet is a piece of a post's text that is a link, a mention or a
// hashtag (app.bsky.richtext.facet): its place in the text counted in
// UTF-8 bytes, as the AT Protocol counts it.
type Facet struct {
	Index    ByteSlice      `json:"index"`
	Features []FacetFeature `json:"features"`
}

// ByteSlice is where a facet lies: from byteStart (inclusive) to byteEnd
// (exclusive), in UTF-8 bytes.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// FacetFeature is what a facet is: #link (URI), #mention (DID) or #tag.
type FacetFeature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	DID  string `json:"did,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// The patterns of Bluesky's documentation (docs.bsky.app, "Links,
// mentions, and rich text"), with the character before them matched
// explicitly as Go has no look-behind.
var (
	mentionRe = regexp.MustCompile(`(^|[\s(])(@(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?))`)
	urlRe     = regexp.MustCompile(`(^|[\s(])(https?://(www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b([-a-zA-Z0-9()@:%_+.~#?&/=]*[-a-zA-Z0-9@%_+~#/=])?)`)
	tagRe     = regexp.MustCompile(`(^|\s)([#＃]([^\s\x{00AD}\x{2060}\x{200A}\x{200B}\x{200C}\x{200D}\x{20e2}]*[^\d\s\p{P}\x{00AD}\x{2060}\x{200A}\x{200B}\x{200C}\x{200D}\x{20e2}]+[^\s\x{00AD}\x{2060}\x{200A}\x{200B}\x{200C}\x{200D}\x{20e2}]*)?)`)
)

// HandleResolver gives the DID of a handle (com.atproto.identity.resolveHandle).
type HandleResolver func(ctx context.Context, handle string) (string, error)

// Facets finds the links, mentions and hashtags of text. A mention whose
// handle does not resolve stays plain text, as in Bluesky's app.
func Facets(ctx context.Context, text string, resolve HandleResolver) []Facet {
	var out []Facet
	for _, m := range mentionRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[4], m[5]
		handle := text[start+1 : end]
		if resolve == nil {
			continue
		}
		did, err := resolve(ctx, strings.ToLower(handle))
		if err != nil || !strings.HasPrefix(did, "did:") {
			continue
		}
		out = append(out, Facet{Index: ByteSlice{start, end}, Features: []FacetFeature{{Type: "app.bsky.richtext.facet#mention", DID: did}}})
	}
	for _, m := range urlRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[4], m[5]
		// a sentence's last stop or closing bracket is not part of the link
		for end > start {
			r, size := utf8.DecodeLastRuneInString(text[start:end])
			if !strings.ContainsRune(".,;:!?", r) && !(r == ')' && !strings.Contains(text[start:end], "(")) {
				break
			}
			end -= size
		}
		out = append(out, Facet{Index: ByteSlice{start, end}, Features: []FacetFeature{{Type: "app.bsky.richtext.facet#link", URI: text[start:end]}}})
	}
	for _, m := range tagRe.FindAllStringSubmatchIndex(text, -1) {
		if m[6] < 0 {
			continue
		}
		start, end := m[4], m[5]
		tag := strings.TrimRightFunc(text[m[6]:end], unicode.IsPunct)
		if tag == "" || utf8.RuneCountInString(tag) > 64 {
			continue
		}
		end = m[6] + len(tag)
		out = append(out, Facet{Index: ByteSlice{start, end}, Features: []FacetFeature{{Type: "app.bsky.richtext.facet#tag", Tag: tag}}})
	}
	return out
}
