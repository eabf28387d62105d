package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func fullPolicy(kind string) map[string]string {
	s := map[string]string{}
	for _, n := range store.PolicySections[kind] {
		s[n] = "Testo della sezione " + n
	}
	return s
}

// A policy is published only with all its contents; each new internal
// version is acknowledged again by every user; accounts have a
// responsible; the training register keeps courses.
func TestPoliciesAcknowledgedAndComplete(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		ext := fullPolicy(store.PolicyExternal)
		delete(ext, "privacy")
		if _, err := db.PublishPolicy(ctx, o.as(o.admin), store.PolicyExternal, ext); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("an external policy without its privacy notice: %v", err)
		}
		if _, err := db.PublishPolicy(ctx, o.as(o.coord), store.PolicyExternal, fullPolicy(store.PolicyExternal)); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a coordinator published a policy: %v", err)
		}
		p, err := db.PublishPolicy(ctx, o.as(o.admin), store.PolicyExternal, fullPolicy(store.PolicyExternal))
		if err != nil || p.Version != 1 || p.Sections["contacts"] != "Testo della sezione contacts" {
			t.Fatalf("external policy: %+v, %v", p, err)
		}
		if got, _ := db.PolicyToAcknowledge(ctx, o.as(o.mario)); got != nil {
			t.Error("acknowledgement asked before an internal policy exists")
		}
		in, err := db.PublishPolicy(ctx, o.as(o.admin), store.PolicyInternal, fullPolicy(store.PolicyInternal))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.PolicyToAcknowledge(ctx, o.as(o.mario)); got == nil || got.ID != in.ID {
			t.Fatalf("Mario is not asked to acknowledge version 1: %+v", got)
		}
		if err := db.AcknowledgePolicy(ctx, o.as(o.mario), in.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.AcknowledgePolicy(ctx, o.as(o.mario), in.ID); err != nil {
			t.Errorf("acknowledging twice: %v", err)
		}
		if got, _ := db.PolicyToAcknowledge(ctx, o.as(o.mario)); got != nil {
			t.Error("Mario is asked again after acknowledging")
		}
		acks, _ := db.PolicyAcks(ctx, o.as(o.admin))
		done := 0
		for _, k := range acks {
			if !k.AckedAt.IsZero() {
				done++
			}
		}
		if len(acks) != 6 || done != 1 {
			t.Errorf("acks: %d users, %d acknowledged", len(acks), done)
		}
		in2, _ := db.PublishPolicy(ctx, o.as(o.admin), store.PolicyInternal, fullPolicy(store.PolicyInternal))
		if got, _ := db.PolicyToAcknowledge(ctx, o.as(o.mario)); got == nil || got.Version != 2 || got.ID != in2.ID {
			t.Error("a new internal version is not asked again")
		}
		// Responsibles and training.
		if err := db.SetResponsible(ctx, o.as(o.coord), o.webchat.ID, o.coord.ID); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a coordinator set a responsible: %v", err)
		}
		if err := db.SetResponsible(ctx, o.as(o.admin), o.webchat.ID, o.coord.ID); err != nil {
			t.Fatal(err)
		}
		rs, _ := db.Responsibles(ctx, o.ente.ID)
		found := false
		for _, r := range rs {
			if r.ChannelID == o.webchat.ID && r.UserName == "Carla Coordinatrice" {
				found = true
			}
		}
		if !found {
			t.Errorf("responsibles: %+v", rs)
		}
		if err := db.AddTraining(ctx, o.as(o.coord), &store.Training{UserID: o.mario.ID, Course: "Comunicazione di crisi sui social", Day: "2025-02-20", Hours: 6}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddTraining(ctx, o.as(o.coord), &store.Training{UserID: o.mario.ID, Course: "x", Day: "ieri", Hours: 6}); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("a bad date: %v", err)
		}
		if err := db.AddTraining(ctx, o.as(o.mario), &store.Training{UserID: o.mario.ID, Course: "x", Day: "2025-02-20", Hours: 1}); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an operator wrote the register: %v", err)
		}
		if ts, _ := db.Trainings(ctx, o.ente.ID); len(ts) != 1 || ts[0].UserName != "Mario Rossi" || ts[0].Hours != 6 {
			t.Errorf("trainings: %+v", ts)
		}
	})
}
