package events

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

const channel = "redazione_events"

// PG publishes events with NOTIFY so that every process sharing the database,
// this one included, delivers them to its own subscribers.
type PG struct {
	hub  *Hub
	url  string
	log  *slog.Logger
	pub  chan Event
	done chan struct{}
}

// NewPG connects to PostgreSQL and starts listening; it stops with ctx.
func NewPG(ctx context.Context, url string, log *slog.Logger) (*PG, error) {
	p := &PG{hub: NewHub(), url: url, log: log, pub: make(chan Event, 4096), done: make(chan struct{})}
	listen, err := p.connect(ctx)
	if err != nil {
		return nil, err
	}
	send, err := pgx.Connect(ctx, url)
	if err != nil {
		listen.Close(ctx)
		return nil, err
	}
	go p.listen(ctx, listen)
	go p.publish(ctx, send)
	return p, nil
}

func (p *PG) connect(ctx context.Context) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, p.url)
	if err != nil {
		return nil, err
	}
	if _, err := c.Exec(ctx, "LISTEN "+channel); err != nil {
		c.Close(ctx)
		return nil, err
	}
	return c, nil
}

func (p *PG) listen(ctx context.Context, c *pgx.Conn) {
	defer close(p.done)
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			c.Close(context.Background())
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("event listener lost its connection; reconnecting", "err", err)
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if c, err = p.connect(ctx); err == nil {
					// Screens may have missed events: tell them to refresh.
					p.hub.Publish(ctx, Event{Type: ConversationChanged})
					break
				}
			}
			continue
		}
		var e Event
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
			p.log.Warn("malformed event", "err", err)
			continue
		}
		p.hub.Publish(ctx, e)
	}
}

// maxNotifyBatch bounds the events sent in one statement.
const maxNotifyBatch = 256

// publish sends queued events on one connection, in order: those queued
// meanwhile together, in one statement (a busy ingest queues an event per
// message, and one round trip each held the queue back).
func (p *PG) publish(ctx context.Context, c *pgx.Conn) {
	defer c.Close(context.Background())
	payloads := make([]string, 0, maxNotifyBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-p.pub:
			payloads = payloads[:0]
			b, _ := json.Marshal(e)
			payloads = append(payloads, string(b))
		more:
			for len(payloads) < maxNotifyBatch {
				select {
				case e := <-p.pub:
					b, _ := json.Marshal(e)
					payloads = append(payloads, string(b))
				default:
					break more
				}
			}
			// The array's order is the notifications' order. In one
			// transaction PostgreSQL delivers a payload sent twice once: a
			// repeated event says nothing new to a screen.
			if _, err := c.Exec(ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", channel, payloads); err != nil {
				if ctx.Err() != nil {
					return
				}
				p.log.Warn("event not published; reconnecting", "err", err)
				c.Close(context.Background())
				for {
					nc, err := pgx.Connect(ctx, p.url)
					if err == nil {
						c = nc
						break
					}
					select {
					case <-ctx.Done():
						return
					case <-time.After(time.Second):
					}
				}
			}
		}
	}
}

// Publish queues e for NOTIFY. It never blocks a request: when the queue is
// full the event is dropped (screens catch up on the next one).
func (p *PG) Publish(_ context.Context, e Event) error {
	select {
	case p.pub <- e:
		return nil
	default:
		return errors.New("event queue full")
	}
}

// Subscribe returns the events of every process.
func (p *PG) Subscribe() (<-chan Event, func()) { return p.hub.Subscribe() }
