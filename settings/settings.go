// Package settings is how the office administers Redazione: staff,
// channels and desks, canned answers, the on-call rota, guidelines,
// policies and training, publishing settings, retention, routing and
// assignment, report categories and Open311 keys, office hours and
// response-time targets, surveys. Web writes them through this service,
// never through the store, as it writes conversations through inbox.
//
// No screen follows a setting live: pages, the routing of a new message
// and the periodic checks read them when they run. So no method publishes
// an event yet; one that gains a live screen publishes it here, with the
// change.
package settings

import "github.com/redazione/redazione/store"

// Service writes the settings of every ente of the installation.
type Service struct {
	DB *store.DB
}
