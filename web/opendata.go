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

// openDataReads is what the open data read (*store.DB has it).
type openDataReads interface {
	EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error)
	Now() time.Time
	Report(ctx context.Context, a redazione.Actor, by string, from, to time.Time) ([]store.ReportRow, error)
}

func (s *Server) openDataDB() openDataReads { return s.DB }

// openData publishes, without login, the office's service figures month by
// month for the last twelve months, per channel: conversations, answered and
// resolved, median first-answer time, and the citizens' ratings. Aggregates
// only: no citizen, no text. For the Carta dei servizi and the open data
// portal (CSV, UTF-8, comma separated).
func (s *Server) openData(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	e, err := s.openDataDB().EnteBySlug(r.Context(), r.PathValue("ente"))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	sys := redazione.SystemActor(e.ID)
	now := s.openDataDB().Now().In(calendar.Rome)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, calendar.Rome)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="servizio-%s.csv"`, e.Slug))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	cw := csv.NewWriter(w)
	cw.Write([]string{"mese", "canale", "conversazioni", "con_risposta", "risolte", "prima_risposta_mediana_minuti",
		"valutazioni_positive", "valutazioni_sufficienti", "valutazioni_negative"})
	for i := 11; i >= 0; i-- {
		from := first.AddDate(0, -i, 0)
		to := from.AddDate(0, 1, 0)
		rows, err := s.openDataDB().Report(r.Context(), sys, "channel", from, to)
		if err != nil {
			s.Log.ErrorContext(r.Context(), "open data", "err", err)
			return
		}
		for _, row := range rows {
			cw.Write([]string{from.Format("2006-01"), csvSafe(row.Label), strconv.Itoa(row.Conversations), strconv.Itoa(row.Answered),
				strconv.Itoa(row.Resolved), strconv.Itoa(int(row.MedianFirstResponse.Minutes())),
				strconv.Itoa(row.Ratings[3]), strconv.Itoa(row.Ratings[2]), strconv.Itoa(row.Ratings[1])})
		}
	}
	cw.Flush()
}
