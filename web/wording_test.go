package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The pages say dates and names the Italian way a person reads them: the
// holidays as "giovedì 1 gennaio 2026", the extra closing days as
// 24/12/2026 (typed that way too), a button's hidden words in Italian, an
// anonymous web chat citizen as "Cittadino anonimo (Chat del sito) · 5 dic
// 14:02" rather than a hex id, a tag's × as "Togli l'etichetta …".
func TestPagesSpeakItalian(t *testing.T) {
	t.Parallel()
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			e := start(t, testdb.Open(t, dialect))
			admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
			longDate := regexp.MustCompile(`<time datetime="\d{4}-\d{2}-\d{2}">(lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d{1,2} (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre) \d{4}</time> – Capodanno`)

			_, page := admin.get("/admin/calendar")
			if !longDate.MatchString(page) {
				t.Error("the holidays are not written as «giovedì 1 gennaio 2026»")
			}
			if regexp.MustCompile(`>\d{4}-\d{2}-\d{2}<`).MatchString(page) {
				t.Error("a holiday is still written as an ISO date")
			}
			// An extra closing day typed the Italian way is kept and shown
			// that way; one that is no date is refused, naming it, and
			// nothing changes.
			form := url.Values{"week1": {"9:00-13:00"}, "closures": {"24/12/2026"}, "patron": {"29/06"}}
			if code, page := admin.post("/admin/calendar", form); code != 200 || !strings.Contains(page, ">24/12/2026</textarea>") {
				t.Errorf("closure typed 24/12/2026: %d; the textarea shows %q", code, textareaOf(page, "closures"))
			}
			form.Set("closures", "31/02/2026")
			code, page := admin.post("/admin/calendar", form)
			if code == 200 || !strings.Contains(page, `data non valida &#34;31/02/2026&#34;: usa GG/MM/AAAA`) {
				t.Errorf("a closure that is no date: %d, %q", code, textareaOf(page, "closures"))
			}
			if _, page := admin.get("/admin/calendar"); !strings.Contains(page, ">24/12/2026</textarea>") {
				t.Error("a refused closure changed the saved ones")
			}

			// The policy's publish buttons name the policy in Italian.
			_, page = admin.get("/admin/policy")
			for _, want := range []string{"Pubblica una nuova versione<span class=\"visually-hidden\"> della policy esterna (per i cittadini)</span>",
				"Pubblica una nuova versione<span class=\"visually-hidden\"> della policy interna (per il personale)</span>"} {
				if !strings.Contains(page, want) {
					t.Errorf("the policy page lacks %q", want)
				}
			}
			if strings.Contains(page, ": external") || strings.Contains(page, ": internal") {
				t.Error("a button is still read as «: external»")
			}

			// An anonymous visitor of the web chat.
			wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
			code, out := e.widget("POST", fmt.Sprintf("/widget/v1/%d/messages", wc.ID), map[string]string{"text": "Buongiorno, senza nome"})
			if code != 202 {
				t.Fatalf("widget: %d %v", code, out)
			}
			_, page = admin.get("/inbox?view=all")
			anon := regexp.MustCompile(`<span class="conv-contact">Cittadino anonimo \(Chat del sito\) · \d{1,2} (gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic) \d{2}:\d{2}</span>`)
			if !anon.MatchString(page) {
				t.Errorf("the anonymous citizen is not named readably: %s", regexp.MustCompile(`<span class="conv-contact">[^<]*</span>`).FindAllString(page, -1))
			}
			if regexp.MustCompile(`<span class="conv-contact">[0-9a-f]{16,}</span>`).MatchString(page) {
				t.Error("a citizen is still named by a hex id")
			}

			// The tag's × says what it takes away.
			conv := e.ingest(e.api, "m-tag", "tag-1", "Buca in via Roma")
			admin.post(fmt.Sprintf("/conversations/%d/tags", conv), url.Values{"tag": {"strade"}})
			_, page = admin.get(fmt.Sprintf("/conversations/%d", conv))
			if !strings.Contains(page, `aria-label="Togli l&#39;etichetta strade"`) {
				t.Error("the tag's × is not named «Togli l'etichetta strade»")
			}
			if !strings.Contains(page, `href="#composer-title">Vai alla risposta`) {
				t.Error("the conversation has no «Vai alla risposta» link")
			}
		})
	}
}

// textareaOf returns the text of the textarea named name.
func textareaOf(page, name string) string {
	m := regexp.MustCompile(`(?s)<textarea[^>]*name="` + name + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// After «Verifica e invia» the post page says what became of the post and
// where it stands, instead of showing the form again with no word.
func TestSendingAPostSaysWhatHappened(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	plat := newPlatforms(t)
	masto := e.account(redazione.ChannelMastodon, "@comune@social.example", map[string]string{"api_base_url": plat.srv.URL, "token": "MASTO"})
	tg := e.account(redazione.ChannelTelegram, "Canale Telegram del Sindaco", map[string]string{"token": "TG-TOKEN", "api_base_url": plat.srv.URL,
		"publish_chat": "@comune_esempio", "publish_approval": "on"})
	op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID))
	desk := fmt.Sprint(e.desks[3].ID)

	code, page := op.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(masto.ID)}, "desk": {desk}, "action": {"submit"}, "text": {"Domenica mercato in piazza."}})
	if code != 200 || !regexp.MustCompile(`role="status">Controlli superati: la pubblicazione per Mastodon · @comune@social.example è programmata e parte il \d{2}/\d{2}/\d{4} alle \d{2}:\d{2}\. Fino ad allora puoi ancora annullarla\.`).MatchString(page) {
		t.Errorf("after Verifica e invia (Mastodon): %d, flash %q", code, flashOf(page))
	}
	code, page = op.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(tg.ID)}, "desk": {desk}, "action": {"submit"}, "text": {"Il sindaco incontra i cittadini giovedì."}})
	if code != 200 || !strings.Contains(page, "Controlli superati: la pubblicazione per Telegram · Canale Telegram del Sindaco ora attende l&#39;approvazione di una seconda persona.") {
		t.Errorf("after Verifica e invia (approval needed): %d, flash %q", code, flashOf(page))
	}
	// The author can still change it, behind a fold; the text is shown.
	if !strings.Contains(page, `<details class="post-edit mb-3">`) || !strings.Contains(page, `<p class="post-text">Il sindaco incontra i cittadini giovedì.</p>`) {
		t.Error("a post waiting for approval shows its edit form open instead of its state and text")
	}
	if !strings.Contains(page, `>in attesa di approvazione</span>`) {
		t.Error("the post's new state is not shown")
	}
}

// flashOf returns the page's outcome message.
func flashOf(page string) string {
	m := regexp.MustCompile(`(?s)<div class="alert alert-success" role="status">(.*?)</div>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}
