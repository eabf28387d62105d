package x

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
)

// An answer on X is a post in reply: 280 characters as X weighs them (a
// link 23, a CJK character 2).
func TestReplyLimit(t *testing.T) {
	t.Parallel()
	var s Sender
	c := &redazione.Conversation{Public: true}
	if s.ReplyLimit(c) != 280 {
		t.Fatalf("limit %d, want 280", s.ReplyLimit(c))
	}
	long := strings.Repeat("a", 250) + " https://www.comune.example.it/" + strings.Repeat("x", 100)
	if err := s.CheckReply(c, long); err != nil {
		t.Errorf("250 letters and a long link (counted 23): %v", err)
	}
	if err := s.CheckReply(c, strings.Repeat("漢", 141)); err == nil || !strings.Contains(err.Error(), "282 caratteri") {
		t.Errorf("141 CJK characters (282 weighted): %v, want refused naming the count", err)
	}
}
