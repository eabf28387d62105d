package web

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// GDPR: the export of a citizen's data, their erasure, and the ente's
// retention period.

// privacyReads is what the privacy pages read (*store.DB has it); erasure
// goes through inbox.Service.
type privacyReads interface {
	ExportPerson(ctx context.Context, a redazione.Actor, contactID int64) (*store.PersonExport, error)
	Retention(ctx context.Context, enteID int64) (int, error)
}

func (s *Server) privacyDB() privacyReads { return s.DB }

var _ = addCatalog(privacyCatalog)

func (s *Server) contactID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// exportContact sends, as a ZIP archive, everything the ente keeps about
// the citizen behind a contact: dati.json and the files they sent or
// received, under allegati/.
func (s *Server) exportContact(w http.ResponseWriter, r *http.Request, u *session) {
	x, err := s.privacyDB().ExportPerson(r.Context(), u.Actor, s.contactID(r))
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	// Name each file in the archive, once, before writing the index.
	n := 0
	for i := range x.Conversations {
		for j := range x.Conversations[i].Messages {
			for k := range x.Conversations[i].Messages[j].Files {
				f := &x.Conversations[i].Messages[j].Files[k]
				if f.BlobKey == "" || s.Blobs == nil {
					continue
				}
				n++
				f.Path = fmt.Sprintf("allegati/%03d-%s%s", n, safeStem(f.Name), s.sniffedExt(f.BlobKey))
			}
		}
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="dati-cittadino-%d.zip"`, s.contactID(r)))
	w.Header().Set("Cache-Control", "no-store")
	zw := zip.NewWriter(w)
	defer zw.Close()
	jw, err := zw.Create("dati.json")
	if err != nil {
		return
	}
	enc := json.NewEncoder(jw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return
	}
	for _, c := range x.Conversations {
		for _, m := range c.Messages {
			for _, f := range m.Files {
				if f.Path == "" {
					continue
				}
				src, err := s.Blobs.Open(f.BlobKey)
				if err != nil {
					s.Log.WarnContext(r.Context(), "export: file missing", "path", f.Path, "err", err)
					continue
				}
				dst, err := zw.Create(f.Path)
				if err == nil {
					_, err = io.Copy(dst, src)
				}
				src.Close()
				if err != nil {
					return
				}
			}
		}
	}
}

// safeStem is a file's name without its extension, kept to letters,
// digits, spaces, dots, dashes and underscores, and at most 60 characters:
// a citizen's file name never decides where or as what it lands.
func safeStem(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 60 {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" -_", r) {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	stem := strings.Trim(b.String(), " _")
	if stem == "" {
		return "file"
	}
	return stem
}

// safeFileName keeps a file's name usable as a name (a post's image).
func safeFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || strings.ContainsRune(`/:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// exportExt maps the type sniffed from a file's content to the extension
// it gets in the archive. Markup is kept as text (read, never rendered);
// a type not listed gets .bin, which no system opens as a page or a program.
var exportExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/bmp": ".bmp",
	"application/pdf": ".pdf", "text/plain": ".txt", "audio/mpeg": ".mp3", "audio/wave": ".wav",
	"text/html": ".txt", "text/xml": ".txt", "application/ogg": ".ogg", "video/mp4": ".mp4", "video/webm": ".webm", "application/zip": ".zip",
}

// sniffedExt reads the start of a stored file and names its extension by
// what it is, not by what it was called.
func (s *Server) sniffedExt(key string) string {
	f, err := s.Blobs.Open(key)
	if err != nil {
		return ".bin"
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	ct, _, _ := strings.Cut(http.DetectContentType(head[:n]), ";")
	if ext, ok := exportExt[ct]; ok {
		return ext
	}
	return ".bin"
}

// eraseContact erases the citizen behind the conversation's contact, once
// the administrator has typed the confirmation word.
func (s *Server) eraseContact(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, "", "inbox")
	if !strings.EqualFold(strings.TrimSpace(r.PostFormValue("confirm")), "CANCELLA") {
		s.fail(w, r, p, redazione.FieldError("confirm", "per cancellare scrivi CANCELLA nella casella di conferma"))
		return
	}
	out, err := s.Inbox.EraseContact(r.Context(), u.Actor, s.contactID(r))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	to := "/inbox?cancellati=" + strconv.Itoa(out.Conversations)
	if back, _ := strconv.ParseInt(r.PostFormValue("conversation"), 10, 64); back != 0 {
		to = fmt.Sprintf("/conversations/%d", back)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

type privacyView struct {
	Months, Max int
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderPrivacy(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderPrivacy(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "admin.privacy"), "admin")
	m, err := s.privacyDB().Retention(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data, p.Flash = &privacyView{Months: m, Max: store.MaxRetentionMonths}, flash
	s.renderForm(w, r, "admin_privacy", p, status, formErr)
}

func (s *Server) savePrivacy(w http.ResponseWriter, r *http.Request, u *session) {
	months, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("months")))
	if err != nil {
		s.renderPrivacy(w, r, u, "", 0, redazione.FieldError("months", "scrivi un numero di mesi (0: nessun limite)"))
		return
	}
	if err := s.Settings.SetRetention(r.Context(), u.Actor, months); err != nil {
		s.renderPrivacy(w, r, u, "", 0, err)
		return
	}
	s.renderPrivacy(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

var privacyCatalog = map[string][2]string{
	"nav.privacy":            {"Privacy", "Privacy"},
	"admin.privacy":          {"Privacy e conservazione dei dati", "Privacy and data retention"},
	"privacy.help":           {"Per quanto tempo l'ente conserva i messaggi delle conversazioni risolte (GDPR, art. 5, par. 1, lett. e). Allo scadere i messaggi, i file e il nome del cittadino sono cancellati; restano, senza contenuto, i dati che servono ai rapporti (area, tempi, valutazione). Il registro degli accessi non è toccato.", "How long the ente keeps the messages of resolved conversations (GDPR art. 5(1)(e)). Then messages, files and the citizen's name are erased; what the reports need stays, without content (desk, times, rating). The access register is not touched."},
	"privacy.months":         {"Mesi di conservazione dopo l'ultimo messaggio (0: nessun limite)", "Months kept after the last message (0: no limit)"},
	"privacy.months.help":    {"La cancellazione gira ogni ora ed è registrata nel registro attività.", "Erasure runs every hour and is recorded in the audit trail."},
	"privacy.title":          {"Dati del cittadino (GDPR)", "The citizen's data (GDPR)"},
	"privacy.export":         {"Esporta i dati del cittadino (ZIP)", "Export the citizen's data (ZIP)"},
	"privacy.export.help":    {"Per una richiesta di accesso ai propri dati (art. 15) o di portabilità (art. 20): messaggi, file e richieste di accesso di tutti i canali del cittadino, senza le note interne.", "For a request of access (art. 15) or portability (art. 20): messages, files and access requests on all of the citizen's channels, without internal notes."},
	"privacy.erase":          {"Cancella i dati del cittadino", "Erase the citizen's data"},
	"privacy.erase.help":     {"Per una richiesta di cancellazione (art. 17): cancella per sempre messaggi, file e identità del cittadino su tutti i suoi canali. Le voci del registro degli accessi restano (obbligo di legge).", "For a request of erasure (art. 17): erases for good the citizen's messages, files and identity on all their channels. Entries of the access register stay (a legal obligation)."},
	"privacy.erase.confirm":  {"Per confermare scrivi CANCELLA", "To confirm, type CANCELLA"},
	"privacy.erased":         {"I messaggi di questa conversazione sono stati cancellati il", "The messages of this conversation were erased on"},
	"privacy.erased.contact": {"cittadino cancellato", "erased citizen"},
}
