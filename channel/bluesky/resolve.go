package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// DefaultPLC is the directory of did:plc identities.
const DefaultPLC = "https://plc.directory"

// Resolver finds the PDS an account lives on, as the AT Protocol says
// (atproto.com/specs/handle, atproto.com/specs/did): the handle gives the
// DID (a DNS TXT record _atproto.HANDLE, or https://HANDLE/.well-known/atproto-did),
// the DID gives its document (the PLC directory for did:plc,
// /.well-known/did.json for did:web), and the document's #atproto_pds
// service is the PDS.
type Resolver struct {
	HTTP *http.Client
	// PLC is the PLC directory's address (DefaultPLC when empty).
	PLC string
	// WellKnown is where a handle's /.well-known/atproto-did is asked
	// ("https://" + handle when nil); tests point it at a fake.
	WellKnown func(handle string) string
	// LookupTXT reads DNS TXT records (net.DefaultResolver when nil).
	LookupTXT func(ctx context.Context, name string) ([]string, error)
}

// PDS returns the address of the PDS of the account named by handle.
func (r *Resolver) PDS(ctx context.Context, handle string) (string, error) {
	did, err := r.DID(ctx, handle)
	if err != nil {
		return "", err
	}
	doc, err := r.Document(ctx, did)
	if err != nil {
		return "", err
	}
	return doc.PDS()
}

// DID resolves a handle to its DID: DNS first, then HTTPS.
func (r *Resolver) DID(ctx context.Context, handle string) (string, error) {
	lookup := r.LookupTXT
	if lookup == nil {
		lookup = net.DefaultResolver.LookupTXT
	}
	if txts, err := lookup(ctx, "_atproto."+handle); err == nil {
		for _, t := range txts {
			if did, ok := strings.CutPrefix(strings.TrimSpace(t), "did="); ok && strings.HasPrefix(did, "did:") {
				return did, nil
			}
		}
	}
	u := "https://" + handle
	if r.WellKnown != nil {
		u = r.WellKnown(handle)
	}
	raw, err := r.get(ctx, strings.TrimRight(u, "/")+"/.well-known/atproto-did", 1024)
	if err != nil {
		return "", fmt.Errorf("l'handle Bluesky %s non si risolve in un account: %w", handle, err)
	}
	did := strings.TrimSpace(string(raw))
	if !strings.HasPrefix(did, "did:plc:") && !strings.HasPrefix(did, "did:web:") {
		return "", fmt.Errorf("l'handle Bluesky %s non indica un account valido", handle)
	}
	return did, nil
}

// DIDDocument is the part of a DID document Redazione reads.
type DIDDocument struct {
	ID      string `json:"id"`
	Service []struct {
		ID              string `json:"id"`
		Type            string `json:"type"`
		ServiceEndpoint string `json:"serviceEndpoint"`
	} `json:"service"`
}

// PDS returns the document's #atproto_pds service endpoint.
func (d *DIDDocument) PDS() (string, error) {
	for _, s := range d.Service {
		if (s.ID == "#atproto_pds" || s.ID == d.ID+"#atproto_pds") && s.Type == "AtprotoPersonalDataServer" {
			if u, err := url.Parse(s.ServiceEndpoint); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				return strings.TrimRight(s.ServiceEndpoint, "/"), nil
			}
		}
	}
	return "", fmt.Errorf("l'identità %s non indica il suo server (PDS)", d.ID)
}

// Document fetches the DID document of did.
func (r *Resolver) Document(ctx context.Context, did string) (*DIDDocument, error) {
	var u string
	switch {
	case strings.HasPrefix(did, "did:plc:"):
		plc := r.PLC
		if plc == "" {
			plc = DefaultPLC
		}
		u = strings.TrimRight(plc, "/") + "/" + did
	case strings.HasPrefix(did, "did:web:"):
		host, err := url.PathUnescape(strings.TrimPrefix(did, "did:web:"))
		if err != nil || strings.Contains(host, "/") {
			return nil, fmt.Errorf("identità %s non valida", did)
		}
		u = "https://" + host + "/.well-known/did.json"
	default:
		return nil, fmt.Errorf("identità %s non supportata", did)
	}
	raw, err := r.get(ctx, u, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("documento dell'identità %s non disponibile: %w", did, err)
	}
	var doc DIDDocument
	if err := json.Unmarshal(raw, &doc); err != nil || doc.ID != did {
		return nil, fmt.Errorf("documento dell'identità %s illeggibile", did)
	}
	return &doc, nil
}

func (r *Resolver) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, errors.New("non raggiungibile")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("risposta %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}
