package web

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// The demo works on a machine with no internet, and nothing it does leaves
// the machine: its API channel delivers replies to the server's own
// /demo/sportello, and its Telegram account calls the server's own
// /demo/telegram, which answers as the Bot API would. Both answer only what
// the demo needs and keep nothing.

// DemoBotToken is the demo Telegram account's bot token: only calls with it
// are answered by the stand-in Bot API.
const DemoBotToken = "demo-non-valido"

// DemoCallbackPath and DemoBotAPIPath are where the demo's channels send,
// under the server's own address.
const (
	DemoCallbackPath = "/demo/sportello"
	DemoBotAPIPath   = "/demo/telegram"
)

var demoMessageID atomic.Int64

// demoCallback stands for the integration behind the demo's API channel: it
// takes a reply and says it arrived.
func (s *Server) demoCallback(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 1<<20))
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// demoBotAPI stands for Telegram's Bot API for the demo account: a message
// or a photo sent gets a message id, as the real API answers.
func (s *Server) demoBotAPI(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 20<<20))
	if r.PathValue("bot") != "bot"+DemoBotToken {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	switch m := r.PathValue("method"); {
	case m == "sendMessage" || m == "sendPhoto" || m == "sendDocument":
		id := demoMessageID.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{
			"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": -1001234567890, "type": "channel", "username": "comune_di_esempio"}}})
	case strings.HasPrefix(m, "get") || strings.HasPrefix(m, "set") || strings.HasPrefix(m, "delete"):
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": true})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}
