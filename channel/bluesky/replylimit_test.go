package bluesky

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
)

// An answer in a public thread is a post: 300 graphemes, however many code
// points each takes; an answer in a chat is limited in bytes only.
func TestReplyLimit(t *testing.T) {
	t.Parallel()
	pub, dm := &redazione.Conversation{Public: true}, &redazione.Conversation{}
	var s Sender
	if s.ReplyLimit(pub) != 300 || s.ReplyLimit(dm) != 0 {
		t.Fatalf("limits %d and %d, want 300 for a thread and none for a chat", s.ReplyLimit(pub), s.ReplyLimit(dm))
	}
	if err := s.CheckReply(pub, strings.Repeat("👍🏽", 300)); err != nil {
		t.Errorf("300 emoji with their skin tone (600 code points): %v", err)
	}
	if err := s.CheckReply(pub, strings.Repeat("a", 301)); err == nil || !strings.Contains(err.Error(), "301 caratteri") {
		t.Errorf("301 graphemes: %v, want refused naming the count", err)
	}
	if err := s.CheckReply(dm, strings.Repeat("a", 1000)); err != nil {
		t.Errorf("a chat message of 1,000 characters: %v", err)
	}
	if err := s.CheckReply(dm, strings.Repeat("a", MaxMessageBytes+1)); err == nil {
		t.Error("a chat message over its bytes was taken")
	}
}
