package store_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func fp(v float64) *float64 { return &v }

// A new ente takes the usual reports; an administrator routes a service to
// its desk; a report lands there, an operator of that desk closes it with
// notes, and an operator of another desk never sees it.
func TestServiceRequestsRoutedAndClosed(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		svcs, err := db.Services(ctx, o.ente.ID, true)
		if err != nil || len(svcs) != len(store.DefaultServices) {
			t.Fatalf("a new ente's services: %d, %v", len(svcs), err)
		}
		var lights store.Service
		for _, s := range svcs {
			if s.Code == "illuminazione" {
				lights = s
			}
		}
		if lights.DeskID != o.desks["contatti"].ID {
			t.Errorf("default services land on the first desk, got %d", lights.DeskID)
		}
		lights.DeskID = o.desks["notizie"].ID
		if err := db.SaveService(ctx, o.as(o.coord), &lights); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a coordinator changed a service: %v", err)
		}
		if err := db.SaveService(ctx, o.as(o.admin), &lights); err != nil {
			t.Fatal(err)
		}
		dup := store.Service{Code: "strade", Name: "Doppione", DeskID: o.desks["contatti"].ID, Active: true}
		if err := db.SaveService(ctx, o.as(o.admin), &dup); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("a second service with the same code: %v", err)
		}

		r := &store.ServiceRequest{Description: "Il lampione al civico 12 è spento da giorni", Lat: fp(41.9028), Long: fp(12.4964),
			FirstName: "Sara", LastName: "Colombo", Email: "sara@example.it"}
		if err := db.CreateServiceRequest(ctx, o.sys(), "illuminazione", r); err != nil {
			t.Fatal(err)
		}
		if r.DeskID != o.desks["notizie"].ID || r.Status != "open" || r.ServiceName != "Illuminazione pubblica" {
			t.Errorf("report filed as %+v", r)
		}
		if _, err := db.ServiceRequest(ctx, o.as(o.mario), r.ID); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("an operator of another desk sees the report: %v", err)
		}
		got, err := db.ServiceRequest(ctx, o.as(o.paolo), r.ID)
		if err != nil || got.Lat == nil || *got.Lat != 41.9028 || *got.Long != 12.4964 || got.Email != "sara@example.it" {
			t.Fatalf("ServiceRequest = %+v, %v", got, err)
		}
		clk.Advance(2 * time.Hour)
		if _, err := db.UpdateServiceRequest(ctx, o.as(o.paolo), r.ID, "chiusa", ""); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("unknown status: %v", err)
		}
		if _, err := db.UpdateServiceRequest(ctx, o.as(o.analyst), r.ID, "closed", ""); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an analyst closed a report: %v", err)
		}
		done, err := db.UpdateServiceRequest(ctx, o.as(o.paolo), r.ID, "closed", "Lampada sostituita il 12 marzo")
		if err != nil || done.Status != "closed" || done.StatusNotes != "Lampada sostituita il 12 marzo" || !done.UpdatedAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("after closing: %+v, %v", done, err)
		}
		open, _ := db.ServiceRequests(ctx, o.sys(), store.ServiceRequestFilter{Status: "open"})
		closed, _ := db.ServiceRequests(ctx, o.sys(), store.ServiceRequestFilter{Status: "closed", ServiceCodes: []string{"illuminazione", "strade"}})
		if len(open) != 0 || len(closed) != 1 {
			t.Errorf("filters: %d open, %d closed", len(open), len(closed))
		}
		if rs, _ := db.ServiceRequests(ctx, o.sys(), store.ServiceRequestFilter{Start: t0.Add(time.Hour)}); len(rs) != 0 {
			t.Errorf("start_date after the report still finds it")
		}
		if !logged(t, db, o.as(o.admin), "report.create") || !logged(t, db, o.as(o.admin), "report.update") {
			t.Error("reports are not in the audit trail")
		}
	})
}

// Bad reports name their field and file nothing.
func TestServiceRequestValidation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		ok := func() *store.ServiceRequest {
			return &store.ServiceRequest{Description: "Buca profonda", Address: "Via Po 12, Roma"}
		}
		for name, c := range map[string]struct {
			code   string
			change func(*store.ServiceRequest)
			field  string
		}{
			"unknown service":       {"fontane", func(*store.ServiceRequest) {}, "service_code"},
			"no place":              {"strade", func(r *store.ServiceRequest) { r.Address = " " }, "address_string"},
			"only latitude":         {"strade", func(r *store.ServiceRequest) { r.Lat = fp(41.9) }, "lat"},
			"latitude out of range": {"strade", func(r *store.ServiceRequest) { r.Lat, r.Long = fp(91), fp(12) }, "lat"},
			"NaN":                   {"strade", func(r *store.ServiceRequest) { r.Lat, r.Long = fp(math.NaN()), fp(12) }, "lat"},
			"HTML":                  {"strade", func(r *store.ServiceRequest) { r.Description = "<script>alert(1)</script>" }, "description"},
			"too long":              {"strade", func(r *store.ServiceRequest) { r.Description = strings.Repeat("a", 4001) }, "description"},
			"bad e-mail":            {"strade", func(r *store.ServiceRequest) { r.Email = "sara at example" }, "email"},
			"javascript media":      {"strade", func(r *store.ServiceRequest) { r.MediaURL = "javascript:alert(1)" }, "media_url"},
		} {
			r := ok()
			c.change(r)
			err := db.CreateServiceRequest(ctx, o.sys(), c.code, r)
			var de *redazione.Error
			if !errors.As(err, &de) || de.Code != redazione.EINVALID || de.Field != c.field {
				t.Errorf("%s: %v, want invalid %q", name, err, c.field)
			}
		}
		if rs, _ := db.ServiceRequests(ctx, o.sys(), store.ServiceRequestFilter{}); len(rs) != 0 {
			t.Errorf("refused reports were filed: %d", len(rs))
		}
		// A description that only mentions "<" is text, not HTML.
		r := ok()
		r.Description = "La buca è profonda < 10 cm ma pericolosa"
		if err := db.CreateServiceRequest(ctx, o.sys(), "strade", r); err != nil {
			t.Errorf("plain text with '<' refused: %v", err)
		}
	})
}

// Open311 keys: shown once, looked up by hash, revoked for good.
func TestOpen311Keys(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		if _, err := db.CreateOpen311Key(ctx, o.as(o.coord), "App", "h1"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a coordinator made a key: %v", err)
		}
		id, err := db.CreateOpen311Key(ctx, o.as(o.admin), "App Segnala Roma", "h1")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.Open311KeyID(ctx, o.ente.ID, "h1"); err != nil || got != id {
			t.Errorf("Open311KeyID = %d, %v", got, err)
		}
		other := newOffice(t, db, "milano")
		if _, err := db.Open311KeyID(ctx, other.ente.ID, "h1"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a key of Roma works for Milano: %v", err)
		}
		if err := db.RevokeOpen311Key(ctx, o.as(o.admin), id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Open311KeyID(ctx, o.ente.ID, "h1"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a revoked key still works: %v", err)
		}
	})
}
