package web

import (
	"context"
	"fmt"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
	"github.com/redazione/redazione/store"
)

// Instagram on the post form: each Instagram account's daily publishing
// limit ("oggi 23 post su 50"), read through inbox.Service (cached a
// minute; a platform error only leaves it out), and what the platform
// would refuse (no public https address, the limit reached) among the
// checks.

var _ = addCatalog(instagramCatalog)

var instagramCatalog = map[string][2]string{
	"post.limit":       {"oggi %d post su %d", "today %d posts of %d"},
	"post.limit.title": {"Limite giornaliero di Instagram (ultime 24 ore)", "Instagram's daily limit (last 24 hours)"},
	"post.ig.nourl": {"Su Instagram non si può pubblicare: Redazione non ha un indirizzo pubblico https (REDAZIONE_PUBLIC_URL) da cui Meta scarica le immagini. Chiedi all'amministratore di configurarlo.",
		"Posts cannot go to Instagram: Redazione has no public https address (REDAZIONE_PUBLIC_URL) Meta could download the images from. Ask the administrator to set it."},
}

// accountLimit is an account's use of its daily publishing limit.
type accountLimit struct {
	Used, Total int
	Reached     bool
}

// limitText writes a limit in the page's language.
func limitText(lang string, l *accountLimit) string {
	return fmt.Sprintf(translate(lang, "post.limit"), l.Used, l.Total)
}

func init() { funcs["limitText"] = limitText }

// instagramView adds to the post form the accounts' limits and, for a
// post to Instagram still to be sent, the platform's findings.
func (s *Server) instagramView(ctx context.Context, v *postView, post *store.Post) {
	for _, ch := range v.Accounts {
		if ch.Kind != redazione.ChannelInstagram {
			continue
		}
		v.NoPublicURL = !strings.HasPrefix(s.Config.PublicURL, "https://")
		if l, ok := s.Inbox.PublishingLimit(ctx, ch); ok {
			if v.Limits == nil {
				v.Limits = map[int64]*accountLimit{}
			}
			v.Limits[ch.ID] = &accountLimit{Used: l.Used, Total: l.Total, Reached: l.Reached()}
		}
		if ch.ID != post.ChannelID || post.ChannelKind != redazione.ChannelInstagram {
			continue
		}
		v.Limit = v.Limits[ch.ID]
		if post.ID == 0 || (post.Status != store.PostDraft && post.Status != store.PostPending) {
			continue
		}
	findings:
		for _, f := range s.Inbox.PlatformFindings(ctx, ch) {
			for _, have := range v.Findings {
				if have.Message == f.Message {
					continue findings
				}
			}
			v.Findings = append(v.Findings, f)
		}
		v.Blocked = publish.Blocks(v.Findings)
		if v.Blocked {
			v.Unchecked = false
		}
	}
}
