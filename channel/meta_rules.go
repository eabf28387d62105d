package channel

import (
	"strings"
	"time"
)

// The rules of Meta's platforms that the inbox applies before a reply goes
// out, kept here so that it needs no adapter: channel/meta uses them too.

// MetaWindow is how long after the citizen's last message a free reply may
// be sent on WhatsApp (after it, only an approved template), and on
// Messenger and Instagram without a tag (after it, with HUMAN_AGENT).
const MetaWindow = 24 * time.Hour

// HumanAgentWindow is how long after the citizen's last message a person
// may still answer on Messenger and Instagram, with the HUMAN_AGENT tag,
// once MetaWindow has passed.
const HumanAgentWindow = 7 * 24 * time.Hour

// InstagramMentionPrefix marks the external id under which an Instagram
// mention is stored: "mention:MEDIA:COMMENT".
const InstagramMentionPrefix = "mention:"

// IsInstagramMention reports whether a stored message is an Instagram
// mention, which can be neither hidden nor answered privately.
func IsInstagramMention(externalID string) bool {
	return strings.HasPrefix(externalID, InstagramMentionPrefix)
}

// whatsAppTemplatePrefix marks, in a stored reply, a WhatsApp template to
// send instead of text.
const whatsAppTemplatePrefix = "[modello WhatsApp: "

// WhatsAppTemplateText is how a reply that sends the approved template name
// in language is stored and shown in the thread.
func WhatsAppTemplateText(name, language string) string {
	return whatsAppTemplatePrefix + name + " (" + language + ")]"
}

// ParseWhatsAppTemplate reads back the template of a stored reply written
// by WhatsAppTemplateText.
func ParseWhatsAppTemplate(s string) (name, language string, ok bool) {
	rest, ok := strings.CutPrefix(s, whatsAppTemplatePrefix)
	if !ok || !strings.HasSuffix(rest, ")]") {
		return "", "", false
	}
	i := strings.LastIndex(rest, " (")
	if i < 0 {
		return "", "", false
	}
	return rest[:i], strings.TrimSuffix(rest[i+2:], ")]"), true
}

// IsWhatsAppTemplate reports whether a stored reply sends a template.
func IsWhatsAppTemplate(s string) bool {
	_, _, ok := ParseWhatsAppTemplate(s)
	return ok
}
