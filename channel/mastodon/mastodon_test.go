package mastodon

import (
	"encoding/json"
	"os"
	"testing"
)

func TestParseNotifications(t *testing.T) {
	b, err := os.ReadFile("testdata/notifications.json")
	if err != nil {
		t.Fatal(err)
	}
	var ns []Notification
	if err := json.Unmarshal(b, &ns); err != nil {
		t.Fatal(err)
	}
	ins := Parse(ns)
	if len(ins) != 2 {
		t.Fatalf("%d messages, want the two mentions (not the favourite)", len(ins))
	}
	pub, dm := ins[0], ins[1]
	if !pub.Public || pub.Text != "il parco di via Verdi è chiuso?" || pub.ContactID != "lucia@mastodon.example" || pub.ContactName != "Lucia Ferri" {
		t.Errorf("public mention = %+v", pub)
	}
	if dm.Public || dm.Text != "buongiorno,\nvorrei sapere gli orari dell'anagrafe" || dm.ExternalID != "113450000000000001" {
		t.Errorf("direct message = %+v", dm)
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`<p><span class="h-card"><a href="x" class="u-url mention">@<span>comune</span></a></span> ciao &amp; grazie</p>`: "ciao & grazie",
		`<p>@comune@social.example @altro prima riga<br />seconda</p>`:                                                    "prima riga\nseconda",
		`<script>alert(1)</script>testo`: "alert(1)testo",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
