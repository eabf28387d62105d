package search

// stopWords is the Snowball project's Italian stop word list (articles,
// prepositions and their contractions, pronouns, common forms of essere and
// avere), plus the single letters left by elisions.
var stopWords = map[string]bool{}

func init() {
	for _, w := range []string{
		"ad", "al", "allo", "ai", "agli", "all", "agl", "alla", "alle", "con", "col", "coi",
		"da", "dal", "dallo", "dai", "dagli", "dall", "dagl", "dalla", "dalle",
		"di", "del", "dello", "dei", "degli", "dell", "degl", "della", "delle",
		"in", "nel", "nello", "nei", "negli", "nell", "negl", "nella", "nelle",
		"su", "sul", "sullo", "sui", "sugli", "sull", "sugl", "sulla", "sulle",
		"per", "tra", "contro", "io", "tu", "lui", "lei", "noi", "voi", "loro",
		"mio", "mia", "miei", "mie", "tuo", "tua", "tuoi", "tue", "suo", "sua", "suoi", "sue",
		"nostro", "nostra", "nostri", "nostre", "vostro", "vostra", "vostri", "vostre",
		"mi", "ti", "ci", "vi", "lo", "la", "li", "le", "gli", "ne", "il", "un", "uno", "una",
		"ma", "ed", "se", "perché", "anche", "come", "dov", "dove", "che", "chi", "cui",
		"non", "più", "quale", "quanto", "quanti", "quanta", "quante",
		"quello", "quelli", "quella", "quelle", "questo", "questi", "questa", "queste",
		"si", "tutto", "tutti", "a", "c", "e", "i", "l", "o", "d", "s", "m", "t", "n", "v",
		"ho", "hai", "ha", "abbiamo", "avete", "hanno", "abbia", "abbiate", "abbiano",
		"avrò", "avrai", "avrà", "avremo", "avrete", "avranno", "avrei", "avresti", "avrebbe",
		"avremmo", "avreste", "avrebbero", "avevo", "avevi", "aveva", "avevamo", "avevate", "avevano",
		"ebbi", "avesti", "ebbe", "avemmo", "aveste", "ebbero", "avessi", "avesse", "avessimo",
		"avessero", "avendo", "avuto", "avuta", "avuti", "avute",
		"sono", "sei", "è", "siamo", "siete", "sia", "siate", "siano",
		"sarò", "sarai", "sarà", "saremo", "sarete", "saranno", "sarei", "saresti", "sarebbe",
		"saremmo", "sareste", "sarebbero", "ero", "eri", "era", "eravamo", "eravate", "erano",
		"fui", "fosti", "fu", "fummo", "foste", "furono", "fossi", "fosse", "fossimo", "fossero",
		"essendo", "stato", "stata", "stati", "state",
		"o", "oppure", "già", "ancora", "poi", "allora", "quindi", "però", "mentre",
	} {
		stopWords[w] = true
	}
}
