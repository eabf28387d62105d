package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/store"
)

// auditReads is what the audit trail's pages read (*store.DB has it).
type auditReads interface {
	AuditAnchors(ctx context.Context, enteID int64) ([]store.AuditAnchor, error)
	AuditLog(ctx context.Context, a redazione.Actor, limit int) ([]redazione.AuditEntry, error)
	Users(ctx context.Context, enteID int64) ([]*redazione.User, error)
	VerifyAudit(ctx context.Context, enteID int64) (total int, firstBroken int64, err error)
}

func (s *Server) auditDB() auditReads { return s.DB }

// auditPage shows the newest entries of the ente's audit trail and whether
// its hash chain is whole, with the newest hash to copy.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "admin.audit"), "audit")
	entries, err := s.auditDB().AuditLog(r.Context(), u.Actor, 200)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	total, broken, err := s.auditDB().VerifyAudit(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	users, _ := s.auditDB().Users(r.Context(), u.Actor.EnteID)
	names := map[int64]string{0: "sistema"}
	for _, x := range users {
		names[x.ID] = x.Name
	}
	data := map[string]any{"Entries": entries, "Names": names, "Total": total, "Broken": broken}
	if len(entries) > 0 {
		data["Head"] = entries[0]
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "audit", "", p)
}

// auditAnchorsCSV lists the last hash of each day of the ente's audit
// trail, for the administrator (or a notary) to keep outside the database:
// a chain rewritten whole would no longer end a past day with that hash.
func (s *Server) auditAnchorsCSV(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	anchors, err := s.auditDB().AuditAnchors(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="registro-ancore-%s.csv"`, time.Now().In(calendar.Rome).Format(time.DateOnly)))
	cw := csv.NewWriter(w)
	cw.Comma = ';' // what Italian spreadsheets expect
	cw.Write([]string{translate(lang, "audit.anchor.day"), translate(lang, "audit.anchor.entry"), translate(lang, "audit.anchor.hash")})
	for _, a := range anchors {
		cw.Write([]string{a.Day, strconv.FormatInt(a.ID, 10), a.Hash})
	}
	cw.Flush()
}
