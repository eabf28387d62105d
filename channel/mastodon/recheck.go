package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/redazione/redazione"
)

// Without the stream, Mastodon tells nothing of a status deleted or edited
// (the "update" notification covers only statuses the account boosted): the
// poller asks again for the latest citizens' statuses of the open public
// conversations, within these bounds.
const (
	// RecheckLimit is how many statuses one pass asks for at most (the
	// newest first): with the default interval, 20 requests every 2 minutes,
	// far below Mastodon's 300 every 5 minutes.
	RecheckLimit = 20
	// RecheckWindow: statuses received longer ago are no longer asked for.
	RecheckWindow = 7 * 24 * time.Hour
	// RecheckEvery is the default interval between passes (setting
	// recheck_interval; "off" turns the passes off).
	RecheckEvery = 2 * time.Minute
)

// errGone is a status the instance no longer has.
var errGone = errors.New("stato cancellato")

// FetchStatus reads one status (GET /api/v1/statuses/:id); a 404 is
// errGone: the author deleted it.
func FetchStatus(ctx context.Context, client *http.Client, ch *redazione.Channel, id string) (*Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base(ch)+"/api/v1/statuses/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, errors.New("indirizzo dell'istanza Mastodon non valido")
	}
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("istanza Mastodon non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, errGone
	default:
		return nil, fmt.Errorf("Mastodon ha risposto %s", resp.Status)
	}
	var st Status
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return nil, fmt.Errorf("risposta illeggibile di Mastodon: %w", err)
	}
	if st.ID != id {
		return nil, errors.New("Mastodon ha risposto con un altro stato")
	}
	return &st, nil
}

// rechecker asks again for recent statuses and turns what changed into
// revisions; seen keeps the edit time last applied of each, so an
// unchanged status costs no write.
type rechecker struct {
	client *http.Client
	ch     *redazione.Channel
	ing    Ingester
	seen   map[string]time.Time
}

// pass checks the latest statuses once; it returns how many revisions it
// applied and the first error of the instance or the store (the others
// are tried again at the next pass).
func (r *rechecker) pass(ctx context.Context, now time.Time) (int, error) {
	ids, err := r.ing.RecentPublicStatuses(ctx, r.ch, now.Add(-RecheckWindow), RecheckLimit)
	if err != nil {
		return 0, err
	}
	var first error
	seen := make(map[string]time.Time, len(ids))
	applied := 0
	for _, id := range ids {
		st, err := FetchStatus(ctx, r.client, r.ch, id)
		var rev redazione.Revision
		switch {
		case err == errGone:
			rev = redazione.Revision{ExternalID: id, Deleted: true, At: now}
		case err != nil:
			if first == nil {
				first = err
			}
			if at, ok := r.seen[id]; ok {
				seen[id] = at
			}
			continue
		case st.EditedAt == nil:
			continue
		case r.seen[id].Equal(*st.EditedAt):
			seen[id] = *st.EditedAt
			continue
		default:
			var ok bool
			if rev, ok = st.Revision(); !ok {
				continue
			}
		}
		n, err := r.ing.Revise(ctx, r.ch, []redazione.Revision{rev})
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		applied += n
		if !rev.Deleted {
			seen[id] = rev.At
		}
	}
	r.seen = seen
	return applied, first
}
