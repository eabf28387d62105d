package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/codicefiscale"
)

// Citizens' reports (segnalazioni): a road to mend, a street light out,
// waste left on the pavement. Each report is for a service of the ente
// (Open311 GeoReport v2's word), routed to the service's desk, and goes
// from open to closed with notes the citizen sees.

// Service is a kind of report the ente takes, and the desk that handles it.
type Service struct {
	ID          int64
	Code        string // Open311 service_code
	Name        string
	Description string
	Group       string
	Keywords    string
	DeskID      int64
	Active      bool
}

// ServiceRequest is one citizen's report.
type ServiceRequest struct {
	ID          int64
	ServiceID   int64
	ServiceCode string
	ServiceName string
	DeskID      int64
	DeskName    string
	Status      string // "open" or "closed"
	StatusNotes string
	Description string
	Address     string
	Lat, Long   *float64
	MediaURL    string
	// The requester: never in the public API.
	FirstName, LastName, Email, Phone string
	DeviceID, AccountID               string
	// FiscalCode is the citizen's codice fiscale, if they gave it;
	// AppIONotify: they asked to be told of changes on App IO.
	FiscalCode  string
	AppIONotify bool

	ConversationID int64
	Source         string // "api", "form" or "conversation"
	APIKeyID       int64
	RequestedAt    time.Time
	UpdatedAt      time.Time
}

// DefaultServices are the reports a new ente takes (Open311 service codes).
var DefaultServices = []Service{
	{Code: "illuminazione", Name: "Illuminazione pubblica", Group: "Strade e spazi pubblici", Keywords: "lampione, luce, buio",
		Description: "Lampioni spenti, guasti o danneggiati."},
	{Code: "strade", Name: "Strade e marciapiedi", Group: "Strade e spazi pubblici", Keywords: "buca, asfalto, marciapiede",
		Description: "Buche, dissesti, marciapiedi rotti, tombini."},
	{Code: "segnaletica", Name: "Segnaletica stradale", Group: "Strade e spazi pubblici", Keywords: "cartello, semaforo, strisce",
		Description: "Cartelli caduti o illeggibili, semafori guasti, strisce cancellate."},
	{Code: "rifiuti", Name: "Rifiuti e pulizia", Group: "Ambiente", Keywords: "rifiuti, abbandono, cassonetto",
		Description: "Rifiuti abbandonati, cassonetti pieni o rotti, strade sporche."},
	{Code: "verde", Name: "Verde pubblico", Group: "Ambiente", Keywords: "albero, parco, giardino",
		Description: "Alberi pericolanti, erba alta, giochi rotti nei parchi."},
	{Code: "altro", Name: "Altro", Group: "Altro", Description: "Ogni altra segnalazione sugli spazi pubblici."},
}

// Report sources.
const (
	SourceAPI          = "api"
	SourceForm         = "form"
	SourceConversation = "conversation"
)

// Limits of a report.
const (
	MaxReportDescription = 4000 // Open311: description up to 4,000 characters
	maxReportShort       = 300
)

var serviceCodeRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// htmlTag finds markup: Open311 descriptions are plain text.
var htmlTag = regexp.MustCompile(`<\s*/?\s*[A-Za-z!]`)

// Services returns the ente's services, by group and name.
func (db *DB) Services(ctx context.Context, enteID int64, activeOnly bool) ([]Service, error) {
	q := "SELECT id, code, name, description, grp, keywords, desk_id, active FROM services WHERE ente_id = ?"
	if activeOnly {
		q += " AND active = true"
	}
	rows, err := db.reader().query(ctx, q+" ORDER BY grp, name, id", enteID)
	if err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		var s Service
		if err := rows.Scan(&s.ID, &s.Code, &s.Name, &s.Description, &s.Group, &s.Keywords, &s.DeskID, &s.Active); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ServiceByCode returns an active service of the ente.
func (db *DB) ServiceByCode(ctx context.Context, enteID int64, code string) (*Service, error) {
	var s Service
	err := db.reader().row(ctx, "SELECT id, code, name, description, grp, keywords, desk_id, active FROM services WHERE ente_id = ? AND code = ? AND active = true",
		enteID, code).Scan(&s.ID, &s.Code, &s.Name, &s.Description, &s.Group, &s.Keywords, &s.DeskID, &s.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("servizio")
	}
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	return &s, nil
}

// SaveService creates a service (ID 0) or changes one; administrators only.
// Its code cannot change once reports use it.
func (db *DB) SaveService(ctx context.Context, a redazione.Actor, s *Service) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "i servizi per le segnalazioni li gestiscono gli amministratori")
	}
	s.Code, s.Name = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name)
	s.Description, s.Group, s.Keywords = strings.TrimSpace(s.Description), strings.TrimSpace(s.Group), strings.TrimSpace(s.Keywords)
	if !serviceCodeRe.MatchString(s.Code) {
		return redazione.FieldError("code", "il codice usa lettere, cifre, punto, trattino o trattino basso (massimo 40)")
	}
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
		return redazione.FieldError("name", "il nome è obbligatorio (massimo 100 caratteri)")
	}
	for _, f := range []string{s.Description, s.Group, s.Keywords} {
		if utf8.RuneCountInString(f) > 1000 || strings.ContainsRune(f, 0) {
			return redazione.FieldError("description", "testo troppo lungo o con caratteri non ammessi")
		}
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var desk int64
		if err := tx.row(ctx, "SELECT id FROM desks WHERE id = ? AND ente_id = ?", s.DeskID, a.EnteID).Scan(&desk); err != nil {
			return redazione.FieldError("desk", "scegli l'area competente")
		}
		var err error
		if s.ID == 0 {
			s.ID, err = tx.insert(ctx, "INSERT INTO services (ente_id, code, name, description, grp, keywords, desk_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				a.EnteID, s.Code, s.Name, s.Description, s.Group, s.Keywords, s.DeskID, s.Active, ms(now))
		} else {
			var old string
			if err := tx.row(ctx, "SELECT code FROM services WHERE id = ? AND ente_id = ?", s.ID, a.EnteID).Scan(&old); err != nil {
				return notFound("servizio")
			}
			var used int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM service_requests WHERE service_id = ?", s.ID).Scan(&used); err != nil {
				return err
			}
			if used > 0 && old != s.Code {
				return redazione.FieldError("code", "il codice non si cambia: ci sono già segnalazioni per questo servizio")
			}
			_, err = tx.exec(ctx, "UPDATE services SET code = ?, name = ?, description = ?, grp = ?, keywords = ?, desk_id = ?, active = ? WHERE id = ? AND ente_id = ?",
				s.Code, s.Name, s.Description, s.Group, s.Keywords, s.DeskID, s.Active, s.ID, a.EnteID)
		}
		if isUnique(err) {
			return redazione.FieldError("code", "esiste già un servizio con il codice %q", s.Code)
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "service.save", Target: s.Code})
	})
}

// checkServiceRequest validates a report, as Open311 and the office need it.
func checkServiceRequest(r *ServiceRequest) error {
	for _, s := range []*string{&r.Description, &r.Address, &r.MediaURL, &r.FirstName, &r.LastName, &r.Email, &r.Phone, &r.DeviceID, &r.AccountID} {
		*s = strings.TrimSpace(*s)
		if !utf8.ValidString(*s) || strings.ContainsRune(*s, 0) {
			return redazione.FieldError("description", "testo con caratteri non ammessi")
		}
	}
	if utf8.RuneCountInString(r.Description) > MaxReportDescription {
		return redazione.FieldError("description", "la descrizione supera %d caratteri", MaxReportDescription)
	}
	if htmlTag.MatchString(r.Description) {
		return redazione.FieldError("description", "la descrizione è testo semplice: l'HTML non è ammesso")
	}
	for name, v := range map[string]string{"address_string": r.Address, "first_name": r.FirstName, "last_name": r.LastName,
		"email": r.Email, "phone": r.Phone, "device_id": r.DeviceID, "account_id": r.AccountID} {
		if utf8.RuneCountInString(v) > maxReportShort {
			return redazione.FieldError(name, "%s troppo lungo (massimo %d caratteri)", name, maxReportShort)
		}
	}
	r.FiscalCode = strings.TrimSpace(r.FiscalCode)
	if r.FiscalCode != "" {
		cf, err := codicefiscale.Parse(r.FiscalCode)
		if err != nil {
			return err
		}
		r.FiscalCode = cf.String()
	} else if r.AppIONotify {
		return redazione.FieldError("fiscal_code", "per gli avvisi su App IO serve il codice fiscale")
	}
	if (r.Lat == nil) != (r.Long == nil) {
		return redazione.FieldError("lat", "servono sia la latitudine sia la longitudine")
	}
	if r.Lat != nil && (math.IsNaN(*r.Lat) || math.IsNaN(*r.Long) || *r.Lat < -90 || *r.Lat > 90 || *r.Long < -180 || *r.Long > 180) {
		return redazione.FieldError("lat", "coordinate fuori dai limiti")
	}
	if r.Lat == nil && r.Address == "" {
		return redazione.FieldError("address_string", "indica dove: coordinate (lat, long) o indirizzo")
	}
	if r.Email != "" {
		if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email {
			return redazione.FieldError("email", "indirizzo e-mail non valido")
		}
	}
	if r.MediaURL != "" {
		u, err := url.Parse(r.MediaURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(r.MediaURL) > 2000 {
			return redazione.FieldError("media_url", "media_url deve essere un indirizzo http(s)")
		}
	}
	return nil
}

// CreateServiceRequest files a report for the service code, on the
// service's desk. The actor is a user (from a conversation: its desk must
// be theirs) or the system (the Open311 API, the public form).
func (db *DB) CreateServiceRequest(ctx context.Context, a redazione.Actor, code string, r *ServiceRequest) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	svc, err := db.ServiceByCode(ctx, a.EnteID, strings.TrimSpace(code))
	if err != nil {
		return redazione.FieldError("service_code", "servizio %q sconosciuto", code)
	}
	if err := checkServiceRequest(r); err != nil {
		return err
	}
	if r.ConversationID != 0 {
		if _, err := db.Conversation(ctx, a, r.ConversationID); err != nil {
			return err
		}
		r.Source = SourceConversation
	}
	if r.Source == "" {
		r.Source = SourceAPI
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	r.ServiceID, r.ServiceCode, r.ServiceName, r.DeskID, r.Status = svc.ID, svc.Code, svc.Name, svc.DeskID, "open"
	r.RequestedAt, r.UpdatedAt = now, now
	return db.inTx(ctx, func(tx conn) error {
		var conv any
		if r.ConversationID != 0 {
			conv = r.ConversationID
		}
		var err error
		r.ID, err = tx.insert(ctx, `INSERT INTO service_requests (ente_id, service_id, desk_id, status, description, address, lat, lon, media_url,
		 first_name, last_name, email, phone, device_id, account_id, conversation_id, source, api_key_id, requested_at, updated_at, fiscal_code, appio_notify)
		 VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.EnteID, svc.ID, svc.DeskID, r.Description, r.Address, r.Lat, r.Long, r.MediaURL,
			r.FirstName, r.LastName, r.Email, r.Phone, r.DeviceID, r.AccountID, conv, r.Source, r.APIKeyID, ms(now), ms(now), nullText(r.FiscalCode), r.AppIONotify)
		if err != nil {
			return fmt.Errorf("insert service request: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "report.create",
			Target: fmt.Sprint(r.ID), Detail: svc.Code + " " + r.Source})
	})
}

const serviceRequestColumns = `r.id, r.service_id, s.code, s.name, r.desk_id, d.name, r.status, r.status_notes, r.description, r.address, r.lat, r.lon, r.media_url,
 r.first_name, r.last_name, r.email, r.phone, r.device_id, r.account_id, COALESCE(r.conversation_id, 0), r.source, r.api_key_id, r.requested_at, r.updated_at,
 COALESCE(r.fiscal_code, ''), r.appio_notify
 FROM service_requests r JOIN services s ON s.id = r.service_id JOIN desks d ON d.id = r.desk_id`

func scanServiceRequest(s scanner) (*ServiceRequest, error) {
	var r ServiceRequest
	var lat, lon sql.NullFloat64
	var req, upd int64
	if err := s.Scan(&r.ID, &r.ServiceID, &r.ServiceCode, &r.ServiceName, &r.DeskID, &r.DeskName, &r.Status, &r.StatusNotes, &r.Description, &r.Address,
		&lat, &lon, &r.MediaURL, &r.FirstName, &r.LastName, &r.Email, &r.Phone, &r.DeviceID, &r.AccountID, &r.ConversationID, &r.Source, &r.APIKeyID,
		&req, &upd, &r.FiscalCode, &r.AppIONotify); err != nil {
		return nil, err
	}
	if lat.Valid && lon.Valid {
		r.Lat, r.Long = &lat.Float64, &lon.Float64
	}
	r.RequestedAt, r.UpdatedAt = tm(req), tm(upd)
	return &r, nil
}

// ServiceRequestFilter selects reports (Open311's GET requests).
type ServiceRequestFilter struct {
	IDs          []int64
	ServiceCodes []string
	Status       string // "open", "closed" or ""
	Start, End   time.Time
	Limit        int
}

// ServiceRequests lists the reports of an ente the actor may see (the
// system sees all: the public API), the newest first.
func (db *DB) ServiceRequests(ctx context.Context, a redazione.Actor, f ServiceRequestFilter) ([]*ServiceRequest, error) {
	var where strings.Builder
	args := []any{a.EnteID}
	where.WriteString(" WHERE r.ente_id = ?")
	scope, sargs := deskScope(a, "r.desk_id")
	where.WriteString(scope)
	args = append(args, sargs...)
	if len(f.IDs) > 0 {
		where.WriteString(" AND r.id IN (" + placeholders(len(f.IDs)) + ")")
		args = append(args, anys(f.IDs)...)
	}
	if len(f.ServiceCodes) > 0 {
		where.WriteString(" AND s.code IN (" + placeholders(len(f.ServiceCodes)) + ")")
		for _, c := range f.ServiceCodes {
			args = append(args, c)
		}
	}
	if f.Status != "" {
		where.WriteString(" AND r.status = ?")
		args = append(args, f.Status)
	}
	if !f.Start.IsZero() {
		where.WriteString(" AND r.requested_at >= ?")
		args = append(args, ms(f.Start))
	}
	if !f.End.IsZero() {
		where.WriteString(" AND r.requested_at <= ?")
		args = append(args, ms(f.End))
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	args = append(args, limit)
	out, err := queryAll(ctx, db.reader(), scanServiceRequest, "SELECT "+serviceRequestColumns+where.String()+" ORDER BY r.requested_at DESC, r.id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("service requests: %w", err)
	}
	return out, nil
}

// ServiceRequest returns one report the actor may see.
func (db *DB) ServiceRequest(ctx context.Context, a redazione.Actor, id int64) (*ServiceRequest, error) {
	r, err := scanServiceRequest(db.reader().row(ctx, "SELECT "+serviceRequestColumns+" WHERE r.id = ? AND r.ente_id = ?", id, a.EnteID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !a.CanSeeDesk(r.DeskID)) {
		return nil, notFound("segnalazione")
	}
	if err != nil {
		return nil, fmt.Errorf("service request: %w", err)
	}
	return r, nil
}

// ConversationServiceRequests returns the reports filed from a conversation.
func (db *DB) ConversationServiceRequests(ctx context.Context, a redazione.Actor, convID int64) ([]*ServiceRequest, error) {
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, db.reader(), scanServiceRequest, "SELECT "+serviceRequestColumns+" WHERE r.conversation_id = ? AND r.ente_id = ? ORDER BY r.id", convID, a.EnteID)
	if err != nil {
		return nil, fmt.Errorf("conversation service requests: %w", err)
	}
	return out, nil
}

// UpdateServiceRequest sets a report's status and the notes the citizen
// reads; it returns the report as it is now.
func (db *DB) UpdateServiceRequest(ctx context.Context, a redazione.Actor, id int64, status, notes string) (*ServiceRequest, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	if status != "open" && status != "closed" {
		return nil, redazione.FieldError("status", "stato sconosciuto: aperta o chiusa")
	}
	notes = strings.TrimSpace(notes)
	if utf8.RuneCountInString(notes) > 1000 || strings.ContainsRune(notes, 0) || !utf8.ValidString(notes) {
		return nil, redazione.FieldError("status_notes", "note troppo lunghe (massimo 1000 caratteri)")
	}
	if _, err := db.ServiceRequest(ctx, a, id); err != nil {
		return nil, err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "segnalazione", "UPDATE service_requests SET status = ?, status_notes = ?, updated_at = ? WHERE id = ? AND ente_id = ?",
			status, notes, ms(now), id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "report.update", Target: fmt.Sprint(id), Detail: status})
	})
	if err != nil {
		return nil, err
	}
	return db.ServiceRequest(ctx, a, id)
}

// Open311Key is an API key an Open311 client posts reports with.
type Open311Key struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	RevokedAt time.Time
}

// CreateOpen311Key makes a key for a client and returns it; only its hash
// is kept, so it is shown once. Administrators only.
func (db *DB) CreateOpen311Key(ctx context.Context, a redazione.Actor, name, keyHash string) (int64, error) {
	if !a.CanAdmin() {
		return 0, redazione.Errorf(redazione.EFORBIDDEN, "le chiavi Open311 le gestiscono gli amministratori")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return 0, redazione.FieldError("name", "dai un nome alla chiave (chi la usa), massimo 100 caratteri")
	}
	now := db.now()
	var id int64
	err := db.inTx(ctx, func(tx conn) error {
		var err error
		if id, err = tx.insert(ctx, "INSERT INTO open311_keys (ente_id, name, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
			a.EnteID, name, keyHash, a.UserID, ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "open311.key.create", Target: name})
	})
	return id, err
}

// RevokeOpen311Key stops a key from working; administrators only.
func (db *DB) RevokeOpen311Key(ctx context.Context, a redazione.Actor, id int64) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "le chiavi Open311 le gestiscono gli amministratori")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "chiave", "UPDATE open311_keys SET revoked_at = ? WHERE id = ? AND ente_id = ? AND revoked_at = 0", ms(now), id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "open311.key.revoke", Target: fmt.Sprint(id)})
	})
}

// Open311Keys lists the ente's keys.
func (db *DB) Open311Keys(ctx context.Context, enteID int64) ([]Open311Key, error) {
	rows, err := db.reader().query(ctx, "SELECT id, name, created_at, revoked_at FROM open311_keys WHERE ente_id = ? ORDER BY id", enteID)
	if err != nil {
		return nil, fmt.Errorf("open311 keys: %w", err)
	}
	defer rows.Close()
	var out []Open311Key
	for rows.Next() {
		var k Open311Key
		var c, r int64
		if err := rows.Scan(&k.ID, &k.Name, &c, &r); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RevokedAt = tm(c), tm(r)
		out = append(out, k)
	}
	return out, rows.Err()
}

// Open311KeyID returns the id of the ente's live key with this hash.
func (db *DB) Open311KeyID(ctx context.Context, enteID int64, keyHash string) (int64, error) {
	var id int64
	err := db.reader().row(ctx, "SELECT id FROM open311_keys WHERE ente_id = ? AND key_hash = ? AND revoked_at = 0", enteID, keyHash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, redazione.Errorf(redazione.EFORBIDDEN, "api_key non valida")
	}
	return id, err
}
