package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/redazione/redazione/search"
)

// citizenTexts are what citizens write to a comune, about 150 characters.
var citizenTexts = []string{
	"Buongiorno, vorrei sapere quando passa il camion per la raccolta dei rifiuti ingombranti in via Garibaldi, ho un divano vecchio da buttare.",
	"Salve, ho ricevuto una multa per divieto di sosta ma avevo il permesso disabili esposto sul cruscotto. Come posso fare ricorso? Grazie.",
	"Buonasera, il lampione davanti al civico 12 di via Roma è spento da una settimana e la sera la strada è completamente al buio. Potete intervenire?",
	"Vorrei prenotare un appuntamento all'anagrafe per il rinnovo della carta d'identità elettronica, ma sul sito non trovo date disponibili.",
	"Buongiorno, devo pagare la TARI ma il bollettino non mi è arrivato. Posso scaricarlo online o devo venire allo sportello dei tributi?",
	"Segnalo una buca molto profonda sulla strada provinciale vicino alla rotonda del cimitero, stamattina un motorino ha rischiato di cadere.",
	"Salve, mio figlio inizia la scuola primaria a settembre: come si fa l'iscrizione alla mensa scolastica e al servizio di scuolabus?",
	"Buongiorno, i bidoni della raccolta differenziata in piazza della Repubblica sono pieni da giorni e c'è cattivo odore. Quando li svuotate?",
	"Vorrei sapere se il comune organizza quest'anno il centro estivo per i ragazzi e quali sono i costi e le scadenze per l'iscrizione.",
	"Buonasera, nel parco giochi di via Verdi un'altalena è rotta e pericolosa per i bambini. Chi posso contattare per la manutenzione?",
	"Salve, ho presentato la domanda per il bonus affitto a marzo e non ho ancora ricevuto risposta. Potete dirmi a che punto è la pratica?",
	"Buongiorno, come posso richiedere il certificato di residenza storico? Mi serve per una pratica di successione presso il notaio.",
	"Vorrei segnalare che l'acqua della fontanella pubblica in piazza Mazzini esce torbida da ieri. È potabile o bisogna evitarla?",
	"Salve, sto ristrutturando casa e devo presentare una CILA: quali documenti servono e si può fare tutto tramite lo sportello telematico?",
	"Buongiorno, il mio cane è stato microchippato in un altro comune: devo fare il cambio di residenza anche all'anagrafe canina?",
	"Buonasera, alla fermata dell'autobus di via Dante manca la pensilina e gli anziani aspettano sotto la pioggia. Si può installare?",
	"Vorrei partecipare al consiglio comunale di giovedì: è aperto al pubblico? Ci sarà la diretta streaming sul sito del comune?",
	"Salve, ho smarrito la tessera elettorale e a breve ci sono le elezioni. Come posso ottenere un duplicato in tempo per votare?",
	"Buongiorno, segnalo alberi pericolanti lungo il viale della stazione dopo il temporale di stanotte, alcuni rami sono già caduti.",
	"Vorrei informazioni sul contributo per l'acquisto di libri di testo per la scuola secondaria: scadenze, requisiti ISEE e modulo.",
	"Buonasera, i vicini bruciano sterpaglie in giardino ogni sera e il fumo entra in casa. È consentito? A chi devo rivolgermi?",
	"Salve, ho pagato due volte la stessa rata dell'IMU per errore. Come posso chiedere il rimborso della somma versata in eccesso?",
	"Buongiorno, vorrei sapere gli orari di apertura dell'ecocentro comunale nel fine settimana e quali materiali si possono conferire.",
	"Segnalo che il semaforo all'incrocio tra via Cavour e corso Italia lampeggia giallo da stamattina, il traffico è molto pericoloso.",
	"Salve, devo sposarmi in comune a giugno: come si prenota la sala consiliare per il matrimonio civile e quanto costa?",
	"Buongiorno, ho bisogno del contrassegno per la sosta disabili per mia madre. Dove si presenta la domanda e quanto tempo serve?",
	"Vorrei segnalare una perdita d'acqua dalla condotta sotto il marciapiede di via Manzoni, l'acqua scorre in strada da due giorni.",
	"Buonasera, la biblioteca comunale sarà aperta durante le vacanze di Natale? Vorrei restituire dei libri in prestito scaduti.",
	"Salve, nel mio quartiere non passa più il servizio di spazzamento strade da un mese e le foglie intasano i tombini. Grazie.",
	"Buongiorno, vorrei richiedere l'accesso agli atti per la delibera sull'ampliamento del parcheggio di via Fermi. Come procedo?",
	"Vorrei sapere se è possibile occupare il suolo pubblico con un ponteggio per tre settimane e quale canone va pagato.",
	"Salve, abito in una frazione e il segnale per la fibra non arriva: il comune ha notizie sul piano banda ultralarga?",
	"Buongiorno, c'è una colonia di gatti randagi nel cortile della scuola media, alcuni sembrano malati. Potete avvisare il canile?",
	"Buonasera, vorrei iscrivermi all'albo dei volontari di protezione civile del comune: dove trovo il modulo e i requisiti?",
	"Salve, la mia pratica di cambio di residenza è ferma da quaranta giorni e non posso fare il medico di base. Cosa posso fare?",
	"Buongiorno, l'area cani del parco comunale ha il cancello rotto e i cani escono sulla strada. Chiedo un intervento urgente.",
}

// replyTexts are what an office answers.
var replyTexts = []string{
	"Buongiorno, grazie della segnalazione: l'abbiamo inoltrata all'ufficio tecnico, che interverrà entro la settimana. Cordiali saluti.",
	"Gentile cittadino, può trovare il modulo sul sito del comune nella sezione Servizi. Per dubbi ci scriva pure qui. Buona giornata.",
	"Salve, la pratica risulta in lavorazione presso l'ufficio competente: le daremo notizie appena possibile. Grazie per la pazienza.",
	"Buonasera, lo sportello è aperto dal lunedì al venerdì dalle 9 alle 12 e il martedì pomeriggio dalle 15 alle 17, senza appuntamento.",
	"Grazie per averci scritto. Abbiamo avvisato la polizia locale, che farà un sopralluogo. Le chiediamo di indicarci il numero civico.",
	"Buongiorno, il pagamento si può fare con PagoPA dal portale dei tributi oppure presso qualsiasi ufficio postale. Cordiali saluti.",
	"Gentile signora, per prenotare l'appuntamento può usare l'agenda online oppure telefonare all'URP. Restiamo a disposizione.",
	"Salve, l'intervento è stato completato questa mattina. Se il problema dovesse ripresentarsi ce lo segnali pure. Buona serata.",
	"Buongiorno, serve la copia del documento d'identità e la ricevuta del versamento; può inviarli via PEC all'indirizzo del protocollo.",
	"Grazie della domanda. La delibera è pubblicata all'albo pretorio online; per l'accesso agli atti compili il modulo allegato.",
}

var notesTexts = []string{
	"Passo all'ufficio tecnico, serve sopralluogo.",
	"Cittadino già sentito al telefono, attendo documenti.",
	"Verificare con i tributi se il pagamento risulta.",
	"Pratica collegata a segnalazione precedente, stessa via.",
}

// extraWords vary messages so that a search selects realistically: drawn
// with a Zipf distribution, the first are common, the last rare.
var extraWords = strings.Fields(`urgente grazie scuola strada rifiuti pagamento residenza multa parcheggio
 anagrafe tributi biblioteca parco giardino mercato fiera sagra teatro museo palestra piscina cimitero chiesa stazione
 ospedale farmacia ambulatorio asilo nido mensa trasporto autobus bicicletta pista ciclabile marciapiede incrocio
 rotonda semaforo illuminazione fognatura tombino allagamento frana neve ghiaccio vento grandine incendio rumore
 musica discoteca cantiere ponteggio gru scavo asfalto segnaletica cartello dissuasore telecamera sicurezza furto
 vandalismo graffiti degrado abbandono amianto eternit topi zanzare vespe piccioni cinghiali lupi zecche
 pollini allergia anziani disabili famiglie giovani studenti lavoratori pendolari turisti commercianti artigiani
 agricoltori pescatori volontari associazioni parrocchia oratorio comitato quartiere frazione borgo contrada
 castello torre ponte fiume torrente canale lago collina montagna bosco sentiero rifugio belvedere spiaggia
 lungomare porto molo faro darsena capannone magazzino officina negozio bar ristorante pizzeria albergo
 campeggio agriturismo cantina frantoio caseificio panificio macelleria pescheria fruttivendolo edicola tabaccheria
 Bergamasco Pellizzari Zanardelli Cacciapuoti Scognamiglio Brambilla Esposito Lombardi Caruso Ferraris
 Valtellina Garfagnana Lunigiana Cilento Irpinia Sannio Barbagia Ogliastra Carnia Polesine`)

var firstNames = strings.Fields("Giulia Marco Francesca Luca Chiara Alessandro Sara Matteo Laura Davide Anna Giorgio Elena Paolo Martina Stefano Valentina Andrea Federica Roberto Silvia Simone Giovanna Antonio Maria Giuseppe Rosa Salvatore")
var lastNames = strings.Fields("Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso Ferrara Galli Martini Leone")

// praticaDoc is the document of "pratica n.".
var praticaDoc = search.Document("pratica n.")

// textGen makes message texts and their index documents. Documents are
// search.Document of the text, built from precomputed parts: the document of
// "a b" is the document of "a", a space, the document of "b".
type textGen struct {
	rnd        *rand.Rand
	zipf       *rand.Zipf
	citizenDoc []string
	replyDoc   []string
	noteDoc    []string
	extraDoc   []string
}

func newTextGen(seed uint64) *textGen {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	g := &textGen{rnd: r, zipf: rand.NewZipf(r, 1.1, 4, uint64(len(extraWords)-1))}
	for _, t := range citizenTexts {
		g.citizenDoc = append(g.citizenDoc, search.Document(t))
	}
	for _, t := range replyTexts {
		g.replyDoc = append(g.replyDoc, search.Document(t))
	}
	for _, t := range notesTexts {
		g.noteDoc = append(g.noteDoc, search.Document(t))
	}
	for _, w := range extraWords {
		g.extraDoc = append(g.extraDoc, search.Document(w))
	}
	return g
}

// citizen returns a citizen's text and its document: a text of the pool, a
// few words, and sometimes a case number ("pratica n. 123456": rare terms).
func (g *textGen) citizen() (string, string) {
	i := g.rnd.IntN(len(citizenTexts))
	var t, d strings.Builder
	t.WriteString(citizenTexts[i])
	d.WriteString(g.citizenDoc[i])
	for range 1 + g.rnd.IntN(3) {
		w := g.zipf.Uint64()
		t.WriteByte(' ')
		t.WriteString(extraWords[w])
		if g.extraDoc[w] != "" {
			d.WriteByte(' ')
			d.WriteString(g.extraDoc[w])
		}
	}
	if g.rnd.IntN(4) == 0 {
		n := strconv.Itoa(100000 + g.rnd.IntN(900000))
		t.WriteString(" pratica n. " + n)
		d.WriteString(" " + praticaDoc + " " + n)
	}
	return t.String(), d.String()
}

func (g *textGen) reply() (string, string) {
	i := g.rnd.IntN(len(replyTexts))
	return replyTexts[i], g.replyDoc[i]
}

func (g *textGen) note() (string, string) {
	i := g.rnd.IntN(len(notesTexts))
	return notesTexts[i], g.noteDoc[i]
}

func (g *textGen) name() string {
	return firstNames[g.rnd.IntN(len(firstNames))] + " " + lastNames[g.rnd.IntN(len(lastNames))]
}

// checkDocs verifies that the composed documents equal search.Document.
func checkDocs(g *textGen, n int) error {
	for range n {
		t, d := g.citizen()
		if want := search.Document(t); want != d {
			return fmt.Errorf("document mismatch for %q:\n got %q\nwant %q", t, d, want)
		}
	}
	return nil
}
