package web

import (
	"encoding/json"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// pluralCatalog holds the texts that say a number, by key: for Italian and
// English, one text per CLDR plural category of the language ("one",
// "other"; "many" where the language has it), and "zero" where "no …"
// reads better than "0 …". %d stands for the number, written the
// language's way (1.234 in Italian). The category is chosen by the CLDR
// rules (golang.org/x/text/feature/plural on the server, Intl.PluralRules
// in the browser, which gets the same texts through pluralForms), so "1
// conversazione" and "2 conversazioni" come from data, not from an if.
var pluralCatalog = map[string][2]map[string]string{
	"inbox.count": {
		{"zero": "Nessuna conversazione", "one": "%d conversazione", "other": "%d conversazioni"},
		{"zero": "No conversations", "one": "%d conversation", "other": "%d conversations"},
	},
	"inbox.count.more": {
		{"one": "Oltre %d conversazione", "other": "Oltre %d conversazioni"},
		{"one": "More than %d conversation", "other": "More than %d conversations"},
	},
	"inbox.loaded": {
		{"one": "Caricata %d altra conversazione", "other": "Caricate altre %d conversazioni"},
		{"one": "%d more conversation loaded", "other": "%d more conversations loaded"},
	},
	"thread.count": {
		{"one": "%d messaggio", "other": "%d messaggi"},
		{"one": "%d message", "other": "%d messages"},
	},
	"answers.found": {
		{"zero": "Nessuna risposta trovata.", "one": "%d risposta trovata: Invio per inserirla, Esc per tornare al testo.", "other": "%d risposte trovate: frecce per scegliere, Invio per inserire, Esc per tornare al testo."},
		{"zero": "No answers found.", "one": "%d answer found: Enter to insert it, Esc to go back.", "other": "%d answers found: arrows to choose, Enter to insert, Esc to go back."},
	},
	"mentions.found": {
		{"zero": "Nessun collega con questo nome.", "one": "%d collega: Invio per sceglierlo, Esc per chiudere.", "other": "%d colleghi: frecce per scegliere, Invio per inserire, Esc per chiudere."},
		{"zero": "No colleague by that name.", "one": "%d colleague: Enter to choose, Esc to close.", "other": "%d colleagues: arrows to choose, Enter to insert, Esc to close."},
	},
	"ago.days": {
		{"one": "%d giorno", "other": "%d giorni"},
		{"one": "%d day", "other": "%d days"},
	},
	"audit.chain.ok": {
		{"one": "Catena integra (%d voce)", "other": "Catena integra (%d voci)"},
		{"one": "Chain whole (%d entry)", "other": "Chain whole (%d entries)"},
	},
	"topics.count": {
		{"one": "%d messaggio", "other": "%d messaggi"},
		{"one": "%d message", "other": "%d messages"},
	},
	"access.notified.count": {
		{"one": "Avvisato %d richiedente", "other": "Avvisati %d richiedenti"},
		{"one": "%d requester told", "other": "%d requesters told"},
	},
}

var (
	pluralTags     = [2]language.Tag{language.Italian, language.English}
	numberPrinters = [2]*message.Printer{message.NewPrinter(language.Italian), message.NewPrinter(language.English)}
)

func langIndex(lang string) int {
	if lang == "en" {
		return 1
	}
	return 0
}

// pluralForm is the CLDR category of the whole number n in the language.
func pluralForm(lang string, n int) string {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	switch plural.Cardinal.MatchPlural(pluralTags[langIndex(lang)], abs, 0, 0, 0, 0) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// translateN returns the text of key for the number n in lang: the form of
// n's plural category, with n written the language's way.
func translateN(lang, key string, n int) string {
	forms, ok := pluralCatalog[key]
	if !ok {
		return key
	}
	f := forms[langIndex(lang)]
	text, ok := f["zero"]
	if n != 0 || !ok {
		if text, ok = f[pluralForm(lang, n)]; !ok {
			text = f["other"]
		}
	}
	return strings.Replace(text, "%d", numberPrinters[langIndex(lang)].Sprintf("%d", n), 1)
}

// pluralForms returns the texts of key in lang as JSON, for a data
// attribute the browser's script chooses from with Intl.PluralRules.
func pluralForms(lang, key string) string {
	b, _ := json.Marshal(pluralCatalog[key][langIndex(lang)])
	return string(b)
}
