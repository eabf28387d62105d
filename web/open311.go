package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/detect"
	"github.com/redazione/redazione/store"
)

// open311Reads is what the Open311 API reads (*store.DB has it).
type open311Reads interface {
	EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error)
	Now() time.Time
	Open311KeyID(ctx context.Context, enteID int64, keyHash string) (int64, error)
	ServiceByCode(ctx context.Context, enteID int64, code string) (*store.Service, error)
	ServiceRequest(ctx context.Context, a redazione.Actor, id int64) (*store.ServiceRequest, error)
	ServiceRequests(ctx context.Context, a redazione.Actor, f store.ServiceRequestFilter) ([]*store.ServiceRequest, error)
	Services(ctx context.Context, enteID int64, activeOnly bool) ([]store.Service, error)
}

func (s *Server) open311DB() open311Reads { return s.DB }

// Open311 GeoReport v2 (open311.github.io/GeoReport_v2): the API civic-tech
// clients use to list an ente's services, file reports and follow them.
// Each ente has its endpoint at /open311/{ente}/v2/; XML and JSON, chosen
// by the suffix. Reading is public and shows no personal data; filing
// needs an api_key an administrator issued.

// open311Window is the longest span a GET requests may ask for, and the
// default one (the spec's "90 days or 1000 requests").
const open311Window = 90 * 24 * time.Hour

type o311Error struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

type o311Service struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	Code        string   `xml:"service_code" json:"service_code"`
	Name        string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

// o311Definition is a service's definition: Redazione's services have no
// extra attributes, so the list is always empty.
type o311Definition struct {
	XMLName    xml.Name `xml:"service_definition" json:"-"`
	Code       string   `xml:"service_code" json:"service_code"`
	Attributes []string `xml:"attributes>attribute" json:"attributes"`
}

type o311Request struct {
	XMLName           xml.Name `xml:"request" json:"-"`
	ID                string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       *string  `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       *string  `xml:"description" json:"description"`
	AgencyResponsible string   `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     *string  `xml:"service_notice" json:"service_notice"`
	Requested         string   `xml:"requested_datetime" json:"requested_datetime"`
	Updated           string   `xml:"updated_datetime" json:"updated_datetime"`
	Expected          *string  `xml:"expected_datetime" json:"expected_datetime"`
	Address           *string  `xml:"address" json:"address"`
	AddressID         *string  `xml:"address_id" json:"address_id"`
	Zipcode           *string  `xml:"zipcode" json:"zipcode"`
	Lat               *float64 `xml:"lat" json:"lat"`
	Long              *float64 `xml:"long" json:"long"`
	MediaURL          *string  `xml:"media_url" json:"media_url"`
}

type o311Created struct {
	XMLName       xml.Name `xml:"request" json:"-"`
	ID            string   `xml:"service_request_id" json:"service_request_id"`
	ServiceNotice string   `xml:"service_notice" json:"service_notice"`
	AccountID     *string  `xml:"account_id" json:"account_id"`
}

type o311Requests[T any] struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []T      `xml:"request"`
}

type o311Discovery struct {
	XMLName    xml.Name       `xml:"discovery" json:"-"`
	Changeset  string         `xml:"changeset" json:"changeset"`
	Contact    string         `xml:"contact" json:"contact"`
	KeyService string         `xml:"key_service" json:"key_service"`
	Endpoints  []o311Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type o311Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// o311Changeset is when this implementation of the API last changed.
const o311Changeset = "2026-11-26T00:00:00Z"

// o311Call is one Open311 request: its ente and format.
type o311Call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	ente *redazione.Ente
	json bool
}

// open311 finds the ente and the format of a call; on failure it has
// answered already.
func (s *Server) open311(w http.ResponseWriter, r *http.Request, file string) (*o311Call, string, bool) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-store")
	c := &o311Call{s: s, w: w, r: r}
	name, format, ok := strings.Cut(file, ".")
	switch {
	case ok && format == "json":
		c.json = true
	case ok && format == "xml":
	default:
		c.json = strings.HasSuffix(file, "json")
		c.fail(http.StatusNotFound, "formato sconosciuto: usa .xml o .json")
		return nil, "", false
	}
	e, err := s.open311DB().EnteBySlug(r.Context(), r.PathValue("ente"))
	if err != nil {
		c.fail(http.StatusNotFound, "ente sconosciuto")
		return nil, "", false
	}
	c.ente = e
	if j := r.FormValue("jurisdiction_id"); j != "" && j != e.Slug {
		c.fail(http.StatusNotFound, "jurisdiction_id sconosciuto: questo indirizzo serve "+e.Slug)
		return nil, "", false
	}
	return c, name, true
}

func (c *o311Call) write(status int, xmlBody, jsonBody any) {
	if c.json {
		c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
		c.w.WriteHeader(status)
		json.NewEncoder(c.w).Encode(jsonBody)
		return
	}
	c.w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	c.w.WriteHeader(status)
	c.w.Write([]byte(xml.Header))
	xml.NewEncoder(c.w).Encode(xmlBody)
}

func (c *o311Call) fail(status int, description string) {
	e := []o311Error{{Code: status, Description: description}}
	c.write(status, o311Errors{Errors: e}, e)
}

// failErr answers an error of the store: a field error is a 400 that names
// the parameter, a refused key a 403.
func (c *o311Call) failErr(err error) {
	var de *redazione.Error
	if errors.As(err, &de) {
		switch de.Code {
		case redazione.EINVALID:
			msg := de.Message
			if de.Field != "" {
				msg = de.Field + ": " + msg
			}
			if de.Field == "service_code" {
				c.fail(http.StatusNotFound, msg)
				return
			}
			c.fail(http.StatusBadRequest, msg)
			return
		case redazione.EFORBIDDEN:
			c.fail(http.StatusForbidden, de.Message)
			return
		case redazione.ENOTFOUND:
			c.fail(http.StatusNotFound, de.Message)
			return
		}
	}
	c.s.Log.ErrorContext(c.r.Context(), "open311", "path", c.r.URL.Path, "err", err)
	c.fail(http.StatusInternalServerError, "errore interno")
}

func w3c(t time.Time) string { return t.In(calendar.Rome).Format(time.RFC3339) }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// publicRequest is a report as anyone may read it: no requester, and
// personal data in the description and notes replaced.
func publicRequest(r *store.ServiceRequest) o311Request {
	return o311Request{ID: strconv.FormatInt(r.ID, 10), Status: r.Status, StatusNotes: nonEmpty(detect.Redact(r.StatusNotes)),
		ServiceName: r.ServiceName, ServiceCode: r.ServiceCode, Description: nonEmpty(detect.Redact(r.Description)),
		AgencyResponsible: r.DeskName, Requested: w3c(r.RequestedAt), Updated: w3c(r.UpdatedAt),
		Address: nonEmpty(detect.Redact(r.Address)), Lat: r.Lat, Long: r.Long, MediaURL: nonEmpty(r.MediaURL)}
}

// open311Get serves discovery, services and requests lists.
func (s *Server) open311Get(w http.ResponseWriter, r *http.Request) {
	c, name, ok := s.open311(w, r, r.PathValue("file"))
	if !ok {
		return
	}
	switch name {
	case "discovery":
		base := strings.TrimSuffix(s.Config.PublicURL, "/")
		if base == "" {
			base = "http://" + r.Host
		}
		d := o311Discovery{Changeset: o311Changeset, Contact: c.ente.Name,
			KeyService: "Chiedi una chiave all'amministratore di Redazione di " + c.ente.Name,
			Endpoints: []o311Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: base + "/open311/" + c.ente.Slug + "/v2",
				Changeset: o311Changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}}
		c.write(http.StatusOK, d, d)
	case "services":
		svcs, err := s.open311DB().Services(r.Context(), c.ente.ID, true)
		if err != nil {
			c.failErr(err)
			return
		}
		out := []o311Service{}
		for _, x := range svcs {
			out = append(out, o311Service{Code: x.Code, Name: x.Name, Description: x.Description, Type: "realtime", Keywords: x.Keywords, Group: x.Group})
		}
		c.write(http.StatusOK, o311Services{Services: out}, out)
	case "requests":
		s.open311List(c)
	default:
		c.fail(http.StatusNotFound, "risorsa sconosciuta")
	}
}

// open311List answers GET requests with its filters.
func (s *Server) open311List(c *o311Call) {
	q := c.r.URL.Query()
	var f store.ServiceRequestFilter
	if ids := q.Get("service_request_id"); ids != "" {
		// The ids override every other filter.
		for _, x := range strings.Split(ids, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				c.fail(http.StatusBadRequest, "service_request_id: "+x+" non è un identificativo")
				return
			}
			f.IDs = append(f.IDs, id)
		}
		if len(f.IDs) > 1000 {
			c.fail(http.StatusBadRequest, "service_request_id: al massimo 1000 identificativi")
			return
		}
	} else {
		for _, x := range strings.Split(q.Get("service_code"), ",") {
			if x = strings.TrimSpace(x); x != "" {
				f.ServiceCodes = append(f.ServiceCodes, x)
			}
		}
		open, closed := false, false
		for _, x := range strings.Split(q.Get("status"), ",") {
			switch strings.TrimSpace(x) {
			case "open":
				open = true
			case "closed":
				closed = true
			case "":
			default:
				c.fail(http.StatusBadRequest, "status: usa open o closed")
				return
			}
		}
		if open != closed {
			f.Status = map[bool]string{true: "open", false: "closed"}[open]
		}
		var err error
		parse := func(name string) time.Time {
			v := q.Get(name)
			if v == "" || err != nil {
				return time.Time{}
			}
			t, perr := time.Parse(time.RFC3339, v)
			if perr != nil {
				err = fmt.Errorf("%s: data non valida %q (formato W3C, es. 2026-01-01T00:00:00Z)", name, v)
			}
			return t
		}
		f.Start, f.End = parse("start_date"), parse("end_date")
		if err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
		switch {
		case f.Start.IsZero() && f.End.IsZero():
			f.End = s.open311DB().Now()
			f.Start = f.End.Add(-open311Window)
		case f.Start.IsZero():
			f.Start = f.End.Add(-open311Window)
		case f.End.IsZero():
			f.End = f.Start.Add(open311Window)
		}
		if f.End.Before(f.Start) {
			c.fail(http.StatusBadRequest, "end_date precede start_date")
			return
		}
		if f.End.Sub(f.Start) > open311Window {
			c.fail(http.StatusBadRequest, "l'intervallo tra start_date ed end_date supera 90 giorni")
			return
		}
	}
	f.Limit = 1000
	rs, err := s.open311DB().ServiceRequests(c.r.Context(), redazione.SystemActor(c.ente.ID), f)
	if err != nil {
		c.failErr(err)
		return
	}
	out := []o311Request{}
	for _, x := range rs {
		out = append(out, publicRequest(x))
	}
	c.write(http.StatusOK, o311Requests[o311Request]{Requests: out}, out)
}

// open311Service serves a service's definition: Redazione's services have
// no extra attributes.
func (s *Server) open311Service(w http.ResponseWriter, r *http.Request) {
	c, code, ok := s.open311(w, r, r.PathValue("file"))
	if !ok {
		return
	}
	if _, err := s.open311DB().ServiceByCode(r.Context(), c.ente.ID, code); err != nil {
		c.fail(http.StatusNotFound, "service_code sconosciuto: "+code)
		return
	}
	d := o311Definition{Code: code, Attributes: []string{}}
	c.write(http.StatusOK, d, d)
}

// open311Request serves one report.
func (s *Server) open311Request(w http.ResponseWriter, r *http.Request) {
	c, name, ok := s.open311(w, r, r.PathValue("file"))
	if !ok {
		return
	}
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil {
		c.fail(http.StatusNotFound, "segnalazione sconosciuta")
		return
	}
	x, err := s.open311DB().ServiceRequest(r.Context(), redazione.SystemActor(c.ente.ID), id)
	if err != nil {
		c.fail(http.StatusNotFound, "segnalazione sconosciuta")
		return
	}
	out := []o311Request{publicRequest(x)}
	c.write(http.StatusOK, o311Requests[o311Request]{Requests: out}, out)
}

// open311Token: reports are filed at once with their id, so no token is
// ever pending.
func (s *Server) open311Token(w http.ResponseWriter, r *http.Request) {
	if c, _, ok := s.open311(w, r, r.PathValue("file")); ok {
		c.fail(http.StatusNotFound, "token sconosciuto: le segnalazioni ricevono subito il loro service_request_id")
	}
}

// open311Post files a report (POST requests), for a client with an api_key.
func (s *Server) open311Post(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c := &o311Call{s: s, w: w, r: r, json: strings.HasSuffix(r.PathValue("file"), ".json")}
		c.fail(http.StatusBadRequest, "corpo della richiesta non leggibile o oltre 64 KiB (application/x-www-form-urlencoded)")
		return
	}
	c, name, ok := s.open311(w, r, r.PathValue("file"))
	if !ok {
		return
	}
	if name != "requests" {
		c.fail(http.StatusNotFound, "risorsa sconosciuta")
		return
	}
	f := r.PostForm.Get
	key := f("api_key")
	if key == "" {
		c.fail(http.StatusForbidden, "api_key mancante")
		return
	}
	keyID, err := s.open311DB().Open311KeyID(r.Context(), c.ente.ID, auth.HashToken(key))
	if err != nil {
		c.failErr(err)
		return
	}
	if f("service_code") == "" {
		c.fail(http.StatusBadRequest, "service_code mancante")
		return
	}
	req := &store.ServiceRequest{Description: f("description"), Address: f("address_string"), MediaURL: f("media_url"),
		FirstName: f("first_name"), LastName: f("last_name"), Email: f("email"), Phone: f("phone"),
		DeviceID: f("device_id"), AccountID: f("account_id"), Source: store.SourceAPI, APIKeyID: keyID}
	if req.Address == "" && f("address_id") != "" {
		req.Address = f("address_id")
	}
	if f("lat") != "" || f("long") != "" {
		lat, err1 := strconv.ParseFloat(f("lat"), 64)
		lon, err2 := strconv.ParseFloat(f("long"), 64)
		if err1 != nil || err2 != nil {
			c.fail(http.StatusBadRequest, "lat, long: servono due numeri (WGS84)")
			return
		}
		req.Lat, req.Long = &lat, &lon
	}
	if err := s.Inbox.CreateServiceRequest(r.Context(), redazione.SystemActor(c.ente.ID), f("service_code"), req); err != nil {
		c.failErr(err)
		return
	}
	desk := ""
	if x, err := s.open311DB().ServiceRequest(r.Context(), redazione.SystemActor(c.ente.ID), req.ID); err == nil {
		desk = x.DeskName
	}
	out := []o311Created{{ID: strconv.FormatInt(req.ID, 10), AccountID: nonEmpty(req.AccountID),
		ServiceNotice: fmt.Sprintf("Segnalazione ricevuta da %s e affidata a: %s.", c.ente.Name, desk)}}
	// 200, as the clients written for GeoReport v2 expect.
	c.write(http.StatusOK, o311Requests[o311Created]{Requests: out}, out)
}
