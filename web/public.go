package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
)

// replyPrivately answers a public comment with a private message and takes
// the operator to the private conversation it opened.
func (s *Server) replyPrivately(w http.ResponseWriter, r *http.Request, u *session) {
	r.Body = http.MaxBytesReader(w, r.Body, redazione.MaxMessageBytes)
	res, err := s.Inbox.ReplyPrivately(r.Context(), u.Actor, s.convID(r), r.PostFormValue("text"))
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	to := fmt.Sprintf("/conversations/%d", res.Conversation.ID)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// hideComment hides a citizen's public comment on the platform
// (hidden=false shows it again); a refusal shows the platform's reason.
func (s *Server) hideComment(w http.ResponseWriter, r *http.Request, u *session) {
	msg, _ := strconv.ParseInt(r.PathValue("message"), 10, 64)
	hidden := r.PostFormValue("hidden") != "false"
	if err := s.Inbox.HideComment(r.Context(), u.Actor, s.convID(r), msg, hidden); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	done := "done.shown"
	if hidden {
		done = "done.hidden"
	}
	s.afterChange(w, r, u, "thread", said(done))
}
