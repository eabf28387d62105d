// Package bskytest is a fake Bluesky PDS for tests: an HTTP server speaking
// the XRPC calls Redazione makes (accounts and sessions with expiring access
// tokens, records, blobs, handles, posts, notifications, and the chat
// service behind the atproto-proxy header), with the shapes of the
// official lexicons (see ../testdata/README.md). It is used where the
// reference PDS cannot run (the chat service never can locally).
package bskytest

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"
)

// ChatProxy is the header value the chat calls must carry.
const ChatProxy = "did:web:api.bsky.chat#bsky_chat"

// Record is a record in a repository.
type Record struct {
	URI, CID, Collection, Author string
	Value                        map[string]any
	IndexedAt                    time.Time
}

// Call is one request the fake received.
type Call struct {
	NSID, Auth, Proxy string
}

// ChatMessage is a message of a chat.
type ChatMessage struct {
	ID, Rev, Sender, Text string
	SentAt                time.Time
}

type account struct{ did, handle, password string }

// Server is a fake PDS with its chat service.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	accounts map[string]*account // by handle
	access   map[string]string   // access token → did
	refresh  map[string]string   // refresh token → did
	records  []*Record
	blobs    map[string][]byte
	convos   map[string][]string // convo id → member dids
	messages map[string][]ChatMessage
	calls    []Call
	seq      int
	// Refuse, when set, answers the next call of that method with this
	// status and XRPC error name.
	refuse map[string][2]string
}

// New starts a fake PDS.
func New() *Server {
	s := &Server{accounts: map[string]*account{}, access: map[string]string{}, refresh: map[string]string{},
		blobs: map[string][]byte{}, convos: map[string][]string{}, messages: map[string][]ChatMessage{}, refuse: map[string][2]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) next() int { s.seq++; return s.seq }

// tid makes a sortable record key.
func (s *Server) tid() string {
	const alpha = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(time.Now().UnixMicro())<<10 | uint64(s.next()&1023)
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = alpha[v&31]
		v >>= 5
	}
	return string(b[:])
}

func cid(prefix string, data []byte) string {
	h := sha256.Sum256(data)
	return prefix + strings.ToLower(strings.TrimRight(base32.StdEncoding.EncodeToString(h[:]), "="))
}

// Account creates an account and returns its DID.
func (s *Server) Account(handle, password string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account(handle, password)
}

func (s *Server) account(handle, password string) string {
	did := fmt.Sprintf("did:plc:fake%020d", s.next())
	s.accounts[strings.ToLower(handle)] = &account{did: did, handle: handle, password: password}
	return did
}

// ExpireSessions makes every access token given so far expired.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]string{}
}

// Refuse answers the next call of nsid with status and the XRPC error.
func (s *Server) Refuse(nsid string, status int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[nsid] = [2]string{strconv.Itoa(status), name}
}

// Calls returns the calls received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Records returns the records of a collection, oldest first.
func (s *Server) Records(collection string) []*Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Record
	for _, r := range s.records {
		if r.Collection == collection {
			out = append(out, r)
		}
	}
	return out
}

// Blob returns an uploaded blob by its CID.
func (s *Server) Blob(cid string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blobs[cid]
}

// Chat has a citizen write to the account in their chat and returns the
// chat's id.
func (s *Server) Chat(from, to, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.convoFor(from, to)
	s.addMessage(id, from, text)
	return id
}

// Messages returns a chat's messages, oldest first.
func (s *Server) Messages(convo string) []ChatMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages[convo])
}

func (s *Server) convoFor(a, b string) string {
	for id, m := range s.convos {
		if slices.Contains(m, a) && slices.Contains(m, b) {
			return id
		}
	}
	id := s.tid()
	s.convos[id] = []string{a, b}
	return id
}

func (s *Server) addMessage(convo, from, text string) ChatMessage {
	m := ChatMessage{ID: s.tid(), Sender: from, Text: text, SentAt: time.Now().UTC()}
	m.Rev = m.ID
	s.messages[convo] = append(s.messages[convo], m)
	return m
}

func xerr(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": name, "message": msg})
}

func ok(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	nsid, found := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !found {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{NSID: nsid, Auth: r.Header.Get("Authorization"), Proxy: r.Header.Get("atproto-proxy")})
	if rf, ok := s.refuse[nsid]; ok {
		delete(s.refuse, nsid)
		status, _ := strconv.Atoi(rf[0])
		xerr(w, status, rf[1], "refused by the test")
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch nsid {
	case "com.atproto.server.createAccount":
		var in struct{ Handle, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		if in.Handle == "" || in.Password == "" || s.accounts[strings.ToLower(in.Handle)] != nil {
			xerr(w, 400, "InvalidHandle", "Handle already taken or invalid")
			return
		}
		ok(w, s.session(s.account(in.Handle, in.Password)))
		return
	case "com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		a := s.accounts[strings.ToLower(in.Identifier)]
		if a == nil || a.password != in.Password {
			xerr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		ok(w, s.session(a.did))
		return
	case "com.atproto.server.refreshSession":
		did, found := s.refresh[token]
		if !found {
			xerr(w, 400, "ExpiredToken", "Token has expired")
			return
		}
		delete(s.refresh, token)
		ok(w, s.session(did))
		return
	case "com.atproto.identity.resolveHandle":
		a := s.accounts[strings.ToLower(r.URL.Query().Get("handle"))]
		if a == nil {
			xerr(w, 400, "InvalidRequest", "Unable to resolve handle")
			return
		}
		ok(w, map[string]string{"did": a.did})
		return
	}
	did, authed := s.access[token]
	if !authed {
		if token != "" {
			xerr(w, 400, "ExpiredToken", "Token has expired")
			return
		}
		xerr(w, 401, "AuthenticationRequired", "Authentication Required")
		return
	}
	if strings.HasPrefix(nsid, "chat.bsky.") {
		if r.Header.Get("atproto-proxy") != ChatProxy {
			xerr(w, 400, "InvalidRequest", "chat calls go through the atproto-proxy header")
			return
		}
		s.chat(w, r, nsid, did)
		return
	}
	switch nsid {
	case "com.atproto.repo.uploadBlob":
		raw, _ := io.ReadAll(io.LimitReader(r.Body, 5<<20))
		if len(raw) > 1_000_000 {
			xerr(w, 400, "BlobTooLarge", "This file is too large. It is 1.3MB but the maximum size is 976.56KB.")
			return
		}
		c := cid("bafkrei", raw)
		s.blobs[c] = raw
		ok(w, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": c}, "mimeType": r.Header.Get("Content-Type"), "size": len(raw)}})
	case "com.atproto.repo.createRecord":
		var in struct {
			Repo, Collection, Rkey string
			Record                 map[string]any
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Repo != did {
			xerr(w, 400, "InvalidRequest", "Input/repo must be the authenticated account")
			return
		}
		text, _ := in.Record["text"].(string)
		if uniseg.GraphemeClusterCount(text) > 300 || len(text) > 3000 {
			xerr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
			return
		}
		if in.Rkey == "" {
			in.Rkey = s.tid()
		}
		uri := "at://" + did + "/" + in.Collection + "/" + in.Rkey
		for _, rec := range s.records {
			if rec.URI == uri {
				xerr(w, 400, "InvalidRequest", "Record already exists")
				return
			}
		}
		raw, _ := json.Marshal(in.Record)
		rec := &Record{URI: uri, CID: cid("bafyrei", raw), Collection: in.Collection, Author: did, Value: in.Record, IndexedAt: time.Now().UTC()}
		s.records = append(s.records, rec)
		ok(w, map[string]any{"uri": rec.URI, "cid": rec.CID, "validationStatus": "valid"})
	case "com.atproto.repo.getRecord":
		q := r.URL.Query()
		uri := "at://" + q.Get("repo") + "/" + q.Get("collection") + "/" + q.Get("rkey")
		if rec := s.record(uri); rec != nil {
			ok(w, map[string]any{"uri": rec.URI, "cid": rec.CID, "value": rec.Value})
			return
		}
		xerr(w, 400, "RecordNotFound", "Could not locate record: "+uri)
	case "app.bsky.feed.getPosts":
		var posts []map[string]any
		for _, u := range r.URL.Query()["uris"] {
			if rec := s.record(u); rec != nil {
				posts = append(posts, map[string]any{"uri": rec.URI, "cid": rec.CID, "author": s.profile(rec.Author), "record": rec.Value, "indexedAt": rec.IndexedAt.Format(time.RFC3339Nano)})
			}
		}
		ok(w, map[string]any{"posts": posts})
	case "app.bsky.notification.listNotifications":
		s.notifications(w, r, did)
	default:
		xerr(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}

func (s *Server) session(did string) map[string]any {
	a, r := fmt.Sprintf("access-%d", s.next()), fmt.Sprintf("refresh-%d", s.next())
	s.access[a], s.refresh[r] = did, did
	return map[string]any{"accessJwt": a, "refreshJwt": r, "did": did, "handle": s.handle(did), "active": true}
}

func (s *Server) handle(did string) string {
	for _, a := range s.accounts {
		if a.did == did {
			return a.handle
		}
	}
	return "handle.invalid"
}

func (s *Server) profile(did string) map[string]any {
	return map[string]any{"did": did, "handle": s.handle(did), "displayName": ""}
}

func (s *Server) record(uri string) *Record {
	for _, rec := range s.records {
		if rec.URI == uri {
			return rec
		}
	}
	return nil
}

// notifications lists, newest first, the posts of others that mention
// the account (a mention facet), answer one of its posts or quote one.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request, did string) {
	var all []map[string]any
	for i := len(s.records) - 1; i >= 0; i-- {
		rec := s.records[i]
		if rec.Author == did || rec.Collection != "app.bsky.feed.post" {
			continue
		}
		reason := ""
		raw, _ := json.Marshal(rec.Value)
		var v struct {
			Reply *struct {
				Parent struct{ URI string } `json:"parent"`
			} `json:"reply"`
			Embed *struct {
				Record *struct{ URI string } `json:"record"`
			} `json:"embed"`
			Facets []struct {
				Features []struct {
					Type string `json:"$type"`
					DID  string `json:"did"`
				} `json:"features"`
			} `json:"facets"`
		}
		json.Unmarshal(raw, &v)
		switch {
		case v.Reply != nil && strings.HasPrefix(v.Reply.Parent.URI, "at://"+did+"/"):
			reason = "reply"
		case v.Embed != nil && v.Embed.Record != nil && strings.HasPrefix(v.Embed.Record.URI, "at://"+did+"/"):
			reason = "quote"
		}
		for _, f := range v.Facets {
			for _, ft := range f.Features {
				if reason == "" && ft.Type == "app.bsky.richtext.facet#mention" && ft.DID == did {
					reason = "mention"
				}
			}
		}
		if reason == "" {
			continue
		}
		all = append(all, map[string]any{"uri": rec.URI, "cid": rec.CID, "author": s.profile(rec.Author), "reason": reason,
			"record": rec.Value, "isRead": false, "indexedAt": rec.IndexedAt.Format(time.RFC3339Nano), "labels": []any{}})
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = 50
	}
	start = min(start, len(all))
	end := min(start+limit, len(all))
	out := map[string]any{"notifications": all[start:end]}
	if end < len(all) {
		out["cursor"] = strconv.Itoa(end)
	}
	ok(w, out)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, nsid, did string) {
	view := func(m ChatMessage) map[string]any {
		return map[string]any{"$type": "chat.bsky.convo.defs#messageView", "id": m.ID, "rev": m.Rev, "text": m.Text,
			"sender": map[string]string{"did": m.Sender}, "sentAt": m.SentAt.Format(time.RFC3339Nano)}
	}
	convo := func(id string) map[string]any {
		var members []map[string]any
		for _, m := range s.convos[id] {
			members = append(members, s.profile(m))
		}
		c := map[string]any{"id": id, "members": members, "muted": false, "unreadCount": 0, "rev": id}
		if ms := s.messages[id]; len(ms) > 0 {
			c["rev"], c["lastMessage"] = ms[len(ms)-1].Rev, view(ms[len(ms)-1])
		}
		return c
	}
	switch nsid {
	case "chat.bsky.convo.listConvos":
		var out []map[string]any
		for id, m := range s.convos {
			if slices.Contains(m, did) {
				out = append(out, convo(id))
			}
		}
		ok(w, map[string]any{"convos": out})
	case "chat.bsky.convo.getMessages":
		id := r.URL.Query().Get("convoId")
		if !slices.Contains(s.convos[id], did) {
			xerr(w, 400, "InvalidConvo", "Convo not found")
			return
		}
		var out []map[string]any
		ms := s.messages[id]
		for i := len(ms) - 1; i >= 0; i-- {
			out = append(out, view(ms[i]))
		}
		ok(w, map[string]any{"messages": out})
	case "chat.bsky.convo.getConvoForMembers":
		members := r.URL.Query()["members"]
		if len(members) != 1 {
			xerr(w, 400, "InvalidRequest", "members")
			return
		}
		ok(w, map[string]any{"convo": convo(s.convoFor(did, members[0]))})
	case "chat.bsky.convo.sendMessage":
		var in struct {
			ConvoID string `json:"convoId"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		if !slices.Contains(s.convos[in.ConvoID], did) {
			xerr(w, 400, "InvalidConvo", "Convo not found")
			return
		}
		ok(w, view(s.addMessage(in.ConvoID, did, in.Message.Text)))
	default:
		xerr(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}
