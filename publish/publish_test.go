package publish_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/publish"
)

func day(s string) calendar.Date { d, _ := calendar.ParseDate(s); return d }

func checks(fs []publish.Finding) map[string]publish.Level {
	out := map[string]publish.Level{}
	for _, f := range fs {
		if out[f.Check] != publish.Block {
			out[f.Check] = f.Level
		}
	}
	return out
}

func TestCheck(t *testing.T) {
	rules := publish.Rules{Blocklist: []string{"sindaco uscente", "vota"}, MaxLength: 500,
		Periods: []publish.Period{{Name: "Amministrative 2027", From: day("2027-04-10"), To: day("2027-05-26")}}}
	for _, c := range []struct {
		name, text, day string
		justified       bool
		want            map[string]publish.Level
	}{
		{"a clean post", "Da lunedì la biblioteca comunale apre anche il sabato mattina. Info: https://www.comune.example.it/biblioteca", "2027-01-10", false, map[string]publish.Level{}},
		{"empty", "   ", "2027-01-10", false, map[string]publish.Level{"empty": publish.Block}},
		{"too long", strings.Repeat("a", 501), "2027-01-10", false, map[string]publish.Level{"length": publish.Block}},
		{"electoral silence", "Inaugurato il nuovo parco", "2027-04-10", false, map[string]publish.Level{"silence": publish.Block}},
		{"silence, justified", "Allerta meteo: scuole chiuse domani", "2027-05-26", true, map[string]publish.Level{"silence": publish.Warn}},
		{"after the polls", "Inaugurato il nuovo parco", "2027-05-27", false, map[string]publish.Level{}},
		{"blocklist phrase", "Il Sindaco Uscente ringrazia", "2027-01-10", false, map[string]publish.Level{"blocklist": publish.Block}},
		{"blocklist is whole words", "Le votazioni del consiglio", "2027-01-10", false, map[string]publish.Level{}},
		{"personal data", "Per info chiamare Mario al 333 123 4567", "2027-01-10", false, map[string]publish.Level{"personal_data": publish.Warn}},
		{"http link", "Il bando è su http://www.comune.example.it/bando.", "2027-01-10", false, map[string]publish.Level{"link": publish.Warn}},
		{"shortened link", "Iscrizioni: https://bit.ly/3abc", "2027-01-10", false, map[string]publish.Level{"link": publish.Warn}},
		{"shouting", "ATTENZIONE A TUTTI I CITTADINI: CHIUSA LA STRADA", "2027-01-10", false, map[string]publish.Level{"capitals": publish.Warn}},
	} {
		got := checks(publish.Check(c.text, day(c.day), c.justified, rules))
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

func TestHashChain(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	e1 := publish.Entry{Seq: 1, EnteID: 1, PostID: 7, Action: "published", Actor: 3, At: at, Detail: "x"}
	h1 := publish.Hash("", e1)
	e2 := publish.Entry{Seq: 2, EnteID: 1, PostID: 8, Action: "created", Actor: 3, At: at, Detail: "y"}
	h2 := publish.Hash(h1, e2)
	if h1 == h2 || len(h1) != 64 {
		t.Fatalf("hashes %s %s", h1, h2)
	}
	changed := e1
	changed.Detail = "z"
	if publish.Hash("", changed) == h1 || publish.Hash(publish.Hash("", changed), e2) == h2 {
		t.Error("changing an entry does not change the chain")
	}
}

// Posts go to Mastodon, to a Facebook Page, to Instagram, and to a Telegram channel once
// its publishing chat is set; never to the other kinds.
func TestPublishable(t *testing.T) {
	for _, c := range []struct {
		ch   redazione.Channel
		want bool
	}{
		{redazione.Channel{Kind: redazione.ChannelMastodon}, true},
		{redazione.Channel{Kind: redazione.ChannelMessenger}, true},
		{redazione.Channel{Kind: redazione.ChannelInstagram}, true},
		{redazione.Channel{Kind: redazione.ChannelBluesky}, true},
		{redazione.Channel{Kind: redazione.ChannelTelegram}, false},
		{redazione.Channel{Kind: redazione.ChannelTelegram, Settings: map[string]string{"publish_chat": "@comune"}}, true},
		{redazione.Channel{Kind: redazione.ChannelWhatsApp}, false},
		{redazione.Channel{Kind: redazione.ChannelAPI}, false},
	} {
		if got := publish.Publishable(&c.ch); got != c.want {
			t.Errorf("%s %v: %v, want %v", c.ch.Kind, c.ch.Settings, got, c.want)
		}
	}
}

// Bluesky and Mastodon count graphemes, what a reader sees as one
// character: a flag (two code points), an emoji with a skin tone, a letter
// with a combining accent are one each; other platforms count code points.
func TestLengthBluesky(t *testing.T) {
	for _, c := range []struct {
		text         string
		bsky, others int
	}{
		{"Città", 5, 5},
		{"🇮🇹", 1, 2},
		{"👍🏽 ok", 4, 5},
		{"e\u0301", 1, 2},
		{"👨‍👩‍👧", 1, 5},
	} {
		if got := publish.Length(redazione.ChannelBluesky, c.text); got != c.bsky {
			t.Errorf("Bluesky %q: %d, want %d", c.text, got, c.bsky)
		}
		if got := publish.Length(redazione.ChannelMastodon, c.text); got != c.bsky {
			t.Errorf("Mastodon %q: %d, want %d", c.text, got, c.bsky)
		}
		if got := publish.Length(redazione.ChannelTelegram, c.text); got != c.others {
			t.Errorf("Telegram %q: %d, want %d", c.text, got, c.others)
		}
	}
	rules := publish.Rules{Kind: redazione.ChannelBluesky, MaxLength: publish.MaxLength(redazione.ChannelBluesky)}
	if fs := publish.Check(strings.Repeat("🇮🇹", 300), calendar.Date{Year: 2026, Month: 12, Day: 5}, false, rules); publish.Blocks(fs) {
		t.Errorf("300 flags blocked: %+v", fs)
	}
	fs := publish.Check(strings.Repeat("🇮🇹", 301), calendar.Date{Year: 2026, Month: 12, Day: 5}, false, rules)
	if !publish.Blocks(fs) || fs[0].Message != "il testo ha 301 caratteri: questa piattaforma ne accetta al massimo 300" {
		t.Errorf("301 flags: %+v", fs)
	}
}

// A Mastodon instance may say how much a link counts: the check counts
// with it, and with Mastodon's 23 otherwise.
func TestCheckMastodonLinks(t *testing.T) {
	day := calendar.Date{Year: 2026, Month: 12, Day: 5}
	text := strings.Repeat("a", 70) + " https://www.comune.example.it/albo-pretorio/atti/2026/determinazione-n-1234"
	if fs := publish.Check(text, day, false, publish.Rules{Kind: redazione.ChannelMastodon, MaxLength: 100}); publish.Blocks(fs) {
		t.Errorf("94 characters as Mastodon counts, blocked at 100: %+v", fs)
	}
	fs := publish.Check(text, day, false, publish.Rules{Kind: redazione.ChannelMastodon, MaxLength: 100, PerURL: 30})
	if !publish.Blocks(fs) || fs[0].Message != "il testo ha 101 caratteri: questa piattaforma ne accetta al massimo 100" {
		t.Errorf("a link counted 30 by the instance: %+v", fs)
	}
}
